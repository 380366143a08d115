"""The databases a benchmark run writes to: fresh SQLite files and throwaway PostgreSQL databases."""

from __future__ import annotations

import itertools
from pathlib import Path

from sqlalchemy.engine import Engine

from catalogue import db
from catalogue.db.throwaway_postgres import PostgresUnavailable, ThrowawayPostgres

BACKENDS = ("sqlite", "postgresql")
OUT = Path(__file__).resolve().parent / "out"


class BenchDatabases:
    """Hands out new, migrated, empty databases on each backend for one benchmark run."""

    def __init__(self, folder: Path, postgres: ThrowawayPostgres | None) -> None:
        self.folder = folder
        self.postgres = postgres
        self._numbers = itertools.count(1)
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def backends(self) -> tuple[str, ...]:
        return BACKENDS if self.postgres is not None else ("sqlite",)

    def new_url(self, backend: str, label: str) -> str:
        if backend == "sqlite":
            path = self.folder / f"{label}-{next(self._numbers)}.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return f"sqlite:///{path}"
        assert self.postgres is not None
        return self.postgres.create_database(f"bench_{label.replace('-', '_')}_{next(self._numbers)}")

    def new_engine(self, backend: str, label: str) -> Engine:
        """A new empty database with the schema migrated to head."""
        engine = db.make_engine(self.new_url(backend, label))
        db.upgrade(engine)
        return engine


def start_postgres() -> tuple[ThrowawayPostgres | None, str | None]:
    """A started throwaway PostgreSQL server, or ``None`` and the reason there is none."""
    try:
        return ThrowawayPostgres().start(), None
    except PostgresUnavailable as error:
        return None, str(error)
