"""The audit trail refuses replacement and truncation, records where each action came from; names are bounded.

- ``auditevent.origin``: where an action came from (the CLI with its OS user and host, or the app).
- SQLite: ``INSERT OR REPLACE`` (and ``REPLACE INTO``) deletes the row it replaces without firing
  DELETE triggers, so an event could be rewritten; a BEFORE INSERT trigger now refuses any insert
  whose id is already taken. (An upsert, ``INSERT ... ON CONFLICT DO UPDATE``, meets the same
  trigger, and the UPDATE trigger of 0002 besides.)
- PostgreSQL: TRUNCATE does not fire row triggers; a statement trigger now refuses it.
- Names (construct, programme, target symbol, account, reference binder) may not be blank nor longer
  than their column (:data:`catalogue.bounds.NAME_LENGTHS`): CHECK constraints on PostgreSQL, which
  also enforces VARCHAR lengths; BEFORE INSERT/UPDATE triggers on SQLite, which does not, and where
  adding a CHECK would mean rebuilding tables that others reference. Both apply to rows written from
  now on (PostgreSQL's constraints are NOT VALID: existing rows are not re-checked).

Revision ID: 0005
Revises: 0009
Create Date: 2026-11-26
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0009"
branch_labels = None
depends_on = None

APPEND_ONLY = "the audit trail is append-only"
# table, name column, longest name: the numbers of catalogue.bounds.NAME_LENGTHS, written out so that this
# revision stays what it was when later revisions change the bounds
NAMES = (
    ("construct", "name", 200),
    ("programme", "name", 200),
    ("target", "symbol", 40),
    ("account", "name", 120),
    ("referencebinder", "name", 200),
)


def _blank(column: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"length(trim({column}, ' ' || char(9, 10, 13))) = 0"
    return f"length(btrim({column}, E' \\t\\n\\r')) = 0"


def upgrade() -> None:
    op.add_column("auditevent", sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE TRIGGER auditevent_no_replace BEFORE INSERT ON auditevent "
            "WHEN EXISTS (SELECT 1 FROM auditevent WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
        for table, column, longest in NAMES:
            for verb, when in (("INSERT", "INSERT"), ("UPDATE", f"UPDATE OF {column}")):
                op.execute(
                    f"CREATE TRIGGER {table}_{column}_bounded_{verb.lower()} BEFORE {when} ON {table} "
                    f"WHEN NEW.{column} IS NULL OR {_blank(f'NEW.{column}', dialect)} "
                    f"OR length(NEW.{column}) > {longest} "
                    f"BEGIN SELECT RAISE(ABORT, 'a {table} {column} is blank or longer than {longest} characters'); END"
                )
        return
    op.execute(
        "CREATE TRIGGER auditevent_no_truncate BEFORE TRUNCATE ON auditevent "
        "FOR EACH STATEMENT EXECUTE FUNCTION auditevent_append_only()"
    )
    for table, column, longest in NAMES:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{column}_bounded "
            f"CHECK (NOT {_blank(column, dialect)} AND length({column}) <= {longest}) NOT VALID"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER auditevent_no_replace")
        for table, column, _ in NAMES:
            for verb in ("insert", "update"):
                op.execute(f"DROP TRIGGER {table}_{column}_bounded_{verb}")
        op.execute("ALTER TABLE auditevent DROP COLUMN origin")  # SQLite 3.35+: no table rebuild, triggers kept
        return
    op.execute("DROP TRIGGER auditevent_no_truncate ON auditevent")
    for table, column, _ in NAMES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{column}_bounded")
    op.drop_column("auditevent", "origin")
