"""Shared fixtures: isolated homes, both databases, a composed app, a fixed clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from callwarden.bootstrap import App, bootstrap
from callwarden.config import Settings, get_settings

PG_ADMIN_URL = os.environ.get(
    "CALLWARDEN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
NUMBERING_CACHE = Path(__file__).resolve().parent.parent / ".callwarden" / "test-cache"


def _pg_available() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return None


_PG_PROBLEM = _pg_available()


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front whether the PostgreSQL leg runs."""
    if _PG_PROBLEM:
        return f"PostgreSQL leg SKIPPED: no server answers at {PG_ADMIN_URL} ({_PG_PROBLEM})"
    return f"PostgreSQL leg runs against {PG_ADMIN_URL}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    if _PG_PROBLEM:
        pytest.skip(f"PostgreSQL not available: {_PG_PROBLEM}")
    name = f"cw_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for each backend; the PostgreSQL one gets a fresh schema per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cw.db'}"
        return
    base: str = request.getfixturevalue("pg_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def make_settings(home: Path, db: str | None = None, **extra: object) -> Settings:
    """Settings for an isolated home (sharing the numbering cache across tests)."""
    return get_settings(home=home, database_url=db, env="test", **extra)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh SQLite home."""
    return make_settings(tmp_path / "home")


@pytest.fixture
def app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> App:
    """A composed application on a fresh home."""
    _share_numbering_cache(settings)
    return bootstrap(settings)


@pytest.fixture
def db_app(db_url: str, tmp_path: Path) -> Iterator[App]:
    """A composed application on each database backend."""
    settings = make_settings(tmp_path / "home", db_url)
    _share_numbering_cache(settings)
    composed = bootstrap(settings)
    yield composed
    composed.engine.dispose()


def _share_numbering_cache(settings: Settings) -> None:
    """Point the fresh home's cache at a shared copy of the numbering table (built once)."""
    NUMBERING_CACHE.mkdir(parents=True, exist_ok=True)
    target = settings.cache_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.symlink_to(NUMBERING_CACHE, target_is_directory=True)


@pytest.fixture(scope="session")
def plan():  # type: ignore[no-untyped-def]
    """The numbering plan, built once per session."""
    from callwarden.storage.numbering_cache import load_plan

    return load_plan(NUMBERING_CACHE)


@pytest.fixture(scope="session")
def shipped_rules():  # type: ignore[no-untyped-def]
    """The shipped rule set."""
    from callwarden.storage.rule_files import load_rule_set

    return load_rule_set()
