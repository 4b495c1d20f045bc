"""The schema is made by migrations, up and down, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from callwarden.storage.db.engine import make_engine
from callwarden.storage.db.migrate import downgrade, upgrade


def test_upgrade_and_downgrade(db_url: str) -> None:
    """Head creates every table; base removes them again."""
    engine = make_engine(db_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"consents", "attempts", "reassigned_numbers", "emergencies", "dnc_imports"} <= tables
    assert {"api_keys", "list_exemptions", "sellers"} <= tables
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_head_constant_is_the_newest_migration() -> None:
    """``migrate.HEAD`` names the newest revision, so a migrated database skips Alembic."""
    from alembic.script import ScriptDirectory

    from callwarden.storage.db.migrate import HEAD, alembic_config

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_current_head() == HEAD


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    """A second upgrade finds the database at head and changes nothing."""
    from callwarden.storage.db.migrate import HEAD, current_revision

    engine = make_engine(db_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == HEAD
    upgrade(engine)
    assert current_revision(engine) == HEAD
    engine.dispose()
