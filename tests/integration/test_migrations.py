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
