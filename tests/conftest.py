"""Shared fixtures: where the shared real-data fixtures live, and the databases under test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip a test whose prerequisite is missing; under CI=true that is a failure."""
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public fixture files (../shared/data beside the repo)."""
    if not SHARED_DATA.is_dir():
        skip_or_fail(f"the shared real-data folder {SHARED_DATA} is absent")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def _main_module_restored():
    """Put back ``sys.modules["__main__"]`` after each test.

    Streamlit's script runner (AppTest runs it in this process) installs the app script as
    ``__main__``; a later test that starts processes with multiprocessing's spawn would then have
    each child re-run app.py (against ./data/catalogue.sqlite) before its target.
    """
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


# --- databases under test ---------------------------------------------------------------

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the whole test session (skip, or fail under CI, without binaries)."""
    from catalogue.db.throwaway_postgres import PostgresUnavailable, ThrowawayPostgres

    try:
        server = ThrowawayPostgres().start()
    except PostgresUnavailable as error:
        skip_or_fail(str(error))
    yield server
    server.stop()


def new_database_url(backend: str, tmp_path: Path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    return request.getfixturevalue("postgres_server").create_database()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> str:
    """The URL of a new, empty database on each backend."""
    return new_database_url(request.param, tmp_path, request)


@pytest.fixture
def engine(database_url):
    """An engine on a new database with the schema migrated to head."""
    from catalogue import db

    engine = db.make_engine(database_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def demo_engine(request, tmp_path_factory):
    """One database per backend with the demo catalogue loaded (read-only tests share it)."""
    from catalogue import curation, db

    url = new_database_url(request.param, tmp_path_factory.mktemp("demo"), request)
    engine = db.make_engine(url)
    db.upgrade(engine)
    curation.load_demo(engine, curation.local_operator())
    yield engine
    engine.dispose()
