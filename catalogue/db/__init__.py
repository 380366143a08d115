"""Engines, transactions and migrations for SQLite (embedded) and PostgreSQL (scale-out).

SQLite runs in WAL mode with foreign keys on and a busy timeout; write
transactions start with ``BEGIN IMMEDIATE`` so that concurrent writers wait for
the write lock up front instead of failing halfway with "database is locked".
PostgreSQL is reached through psycopg 3. Migrations are Alembic revisions in
``catalogue/migrations``; on PostgreSQL they run under an advisory lock so that
several app instances starting at once migrate the database exactly once.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timezone
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import ARRAY, JSON, DateTime, any_, bindparam, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, create_engine

from catalogue import config
from catalogue.errors import CatalogueError

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 60
_WRITE_OPTION = "catalogue_write_transaction"
_MIGRATION_LOCK_KEY = 0x0CA7A106  # pg_advisory_xact_lock key for schema upgrades


class SchemaOutOfDate(CatalogueError):
    """The database's schema is older than this version of the catalogue."""


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (see :func:`catalogue.config.database_url`)."""
    url = config.database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    # prepare_threshold=None: psycopg would otherwise prepare a statement on its fifth run, and PostgreSQL
    # may then keep a generic plan made while the tables were small (see one_of); every statement is
    # planned for its own values instead, which costs a fraction of a millisecond.
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         connect_args={"prepare_threshold": None})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own
        # transaction handling would start deferred transactions).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        if connection.get_execution_options().get(_WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back on any error."""
    bind = engine.execution_options(**{_WRITE_OPTION: True})
    with Session(bind, expire_on_commit=False) as session:
        with session.begin():
            yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def _sqlite_values(table, columns: list[str]):
    """Per column, how a Python value becomes what sqlite3 takes: JSON text, and datetimes as SQLAlchemy writes them."""
    converters = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            converters.append(lambda v: None if v is None else json.dumps(v))
        elif isinstance(column_type, DateTime):
            # the text SQLAlchemy's SQLite dialect writes and reads back (UTC, no offset)
            converters.append(lambda v: None if v is None else v.astimezone(timezone.utc).strftime(
                "%Y-%m-%d %H:%M:%S.%f"))
        else:
            converters.append(None)
    return converters


def _row_values(rows: list[dict], columns: list[str], converters: list) -> Iterator:
    """Each row's values in column order (C-speed item lookup), with the columns that need it converted."""
    pick = operator.itemgetter(*columns)
    if len(columns) == 1:
        return ([pick(row)] for row in rows)
    if not converters:
        return (pick(row) for row in rows)

    def converted():
        for row in rows:
            values = list(pick(row))
            for index, convert in converters:
                values[index] = convert(values[index])
            yield values

    return converted()


def insert_rows(session: Session, table, rows: list[dict]) -> None:
    """Insert many rows into ``table`` in the session's transaction, as fast as the database allows.

    PostgreSQL gets one binary COPY (one round trip, values encoded by psycopg's C dumpers for the
    columns' types); SQLite one driver-level executemany with JSON and datetimes converted to the text
    SQLAlchemy writes. Both skip SQLAlchemy's per-row parameter processing. Every row must have the
    same keys.
    """
    if rows:
        insert_rows_on(session.connection(), table, rows)


def insert_rows_on(connection: Connection, table, rows: list[dict]) -> None:
    """:func:`insert_rows` on a connection (inside its transaction), for code that holds no session."""
    if not rows:
        return
    columns = list(rows[0])
    quote = connection.dialect.identifier_preparer.quote
    column_list = ", ".join(quote(c) for c in columns)
    if connection.dialect.name == "sqlite":
        converters = [(i, convert) for i, convert in enumerate(_sqlite_values(table, columns)) if convert]
        statement = f"INSERT INTO {quote(table.name)} ({column_list}) VALUES ({', '.join('?' * len(columns))})"
        connection.connection.driver_connection.executemany(statement, _row_values(rows, columns, converters))
        return
    types = [_POSTGRES_TYPE_NAME.sub("", table.c[c].type.compile(dialect=connection.dialect)).lower().replace(
        "float", "double precision") for c in columns]
    statement = f"COPY {quote(table.name)} ({column_list}) FROM STDIN (FORMAT BINARY)"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in _row_values(rows, columns, []):
            copy.write_row(row)


def one_of(session: Session | Connection, column, values: list) -> ColumnElement[bool]:
    """``column IN values`` for a lookup by a list of keys, written for a stable, index-friendly plan.

    On PostgreSQL the list goes as one array parameter (``column = ANY(%(keys)s)``). An ``IN`` of one
    parameter per value would, once psycopg prepares the statement (its fifth run), get PostgreSQL's
    generic plan: a sequential scan comparing every row with every parameter, which grew to 28 ms per
    100 names by the end of a 10,000-record import. SQLite keeps ``IN``, which it answers from the index.
    """
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


_POSTGRES_TYPE_NAME = re.compile(r"\(\d+\)")  # VARCHAR(30) -> varchar: COPY wants the type, not the length


def insert_rows_returning_ids(session: Session, table, rows: list[dict]) -> list[int]:
    """Insert rows (as :func:`insert_rows`) and return their new primary keys, in the rows' order.

    PostgreSQL draws the keys from the table's sequence; SQLite continues from the largest key, which is
    safe because write transactions hold SQLite's write lock from their first statement (BEGIN IMMEDIATE).
    The rows then go in with their keys, in bulk.
    """
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        largest = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar_one()
        ids = list(range(largest + 1, largest + 1 + len(rows)))
    else:
        ids = list(connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) FROM generate_series(1, %(count)s)",
            {"table": table.name, "count": len(rows)},
        ).scalars())
    insert_rows(session, table, [{"id": key, **row} for key, row in zip(ids, rows)])
    return ids


# --- migrations -----------------------------------------------------------------


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    heads = ScriptDirectory.from_config(_alembic_config()).get_heads()
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision``, once even when several processes ask at once."""
    cfg = _alembic_config()
    with engine.execution_options(**{_WRITE_OPTION: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def ensure_schema(engine: Engine) -> None:
    """Create the schema on an empty database; refuse to run on an outdated one."""
    current = current_revision(engine)
    if current == head_revision():
        return
    if current is None:
        upgrade(engine)
        return
    raise SchemaOutOfDate(
        f"the database schema is at revision {current}, this catalogue needs {head_revision()}: "
        "run `catalogue db upgrade`"
    )


def describe(engine: Engine) -> str:
    """The database URL with any password hidden."""
    return engine.url.render_as_string(hide_password=True)
