"""Published patients-treated results, a programme's candidate trials, a construct's modality may be unknown.

- ``patientstreatedresult``: published counts of patients who received a product, each on one trial or one
  construct, with citation, DOI/PMID and date. Existing curated figures on trials and constructs are copied in
  (citation = their source text), so nothing curated is lost; the trial's and construct's own columns stay as
  the latest result's figure, kept in step by the service layer.
- ``programmecandidate``: trials that may belong to a programme (site, collaborator, parent institution), with
  the reason, for a curator to accept or reject.
- ``construct.modality`` becomes nullable: NULL where no source states the modality.

On SQLite the NOT NULL is dropped by SQLite's documented procedure for removing a NOT NULL constraint
(``PRAGMA writable_schema``; https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema
Changes"): Alembic's batch mode would copy and drop the table, and with foreign keys on, dropping ``construct``
deletes (cascades) or refuses because of the rows that reference it.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-29
"""

import re

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def _sqlite_set_modality_not_null(not_null: bool) -> None:
    connection = op.get_bind()
    create = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'construct'"
    ).scalar_one()
    pattern = re.compile(r"(\bmodality VARCHAR\(20\))( NOT NULL)?")
    changed = pattern.sub(r"\1 NOT NULL" if not_null else r"\1", create, count=1)
    if changed == create:
        return
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'construct'", (changed,)
    )
    connection.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    op.create_table(
        "programmecandidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trial_id"], ["trial.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "trial_id", name="uq_programmecandidate_programme_trial"),
    )
    op.create_index("ix_programmecandidate_programme_id", "programmecandidate", ["programme_id"], unique=False)
    op.create_index("ix_programmecandidate_trial_id", "programmecandidate", ["trial_id"], unique=False)

    op.create_table(
        "patientstreatedresult",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trial_id", sa.Integer(), nullable=True),
        sa.Column("construct_id", sa.Integer(), nullable=True),
        sa.Column("patients_treated", sa.Integer(), nullable=False),
        sa.Column("citation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("doi", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("pmid", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("published", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("population", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.CheckConstraint("(trial_id IS NULL) <> (construct_id IS NULL)", name="ck_patientstreatedresult_one_subject"),
        sa.CheckConstraint("patients_treated >= 0", name="ck_patientstreatedresult_not_negative"),
        sa.ForeignKeyConstraint(["construct_id"], ["construct.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["trial_id"], ["trial.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_patientstreatedresult_construct_id", "patientstreatedresult", ["construct_id"], unique=False)
    op.create_index("ix_patientstreatedresult_trial_id", "patientstreatedresult", ["trial_id"], unique=False)
    # Curated figures recorded before this revision become results, citing the source text they carried.
    for table, column in (("trial", "trial_id"), ("construct", "construct_id")):
        op.execute(
            f"INSERT INTO patientstreatedresult ({column}, patients_treated, citation, published, recorded_at, "
            f"recorded_by) SELECT id, patients_treated, COALESCE(patients_treated_source, 'source not recorded'), "
            f"patients_treated_date, CURRENT_TIMESTAMP, 'migration 0009' FROM {table} "
            f"WHERE patients_treated IS NOT NULL"
        )

    if op.get_bind().dialect.name == "sqlite":
        _sqlite_set_modality_not_null(False)
    else:
        op.alter_column("construct", "modality", existing_type=sa.VARCHAR(length=20), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE construct SET modality = 'other' WHERE modality IS NULL")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_set_modality_not_null(True)
    else:
        op.alter_column("construct", "modality", existing_type=sa.VARCHAR(length=20), nullable=False)
    op.drop_index("ix_patientstreatedresult_trial_id", table_name="patientstreatedresult")
    op.drop_index("ix_patientstreatedresult_construct_id", table_name="patientstreatedresult")
    op.drop_table("patientstreatedresult")
    op.drop_index("ix_programmecandidate_trial_id", table_name="programmecandidate")
    op.drop_index("ix_programmecandidate_programme_id", table_name="programmecandidate")
    op.drop_table("programmecandidate")
