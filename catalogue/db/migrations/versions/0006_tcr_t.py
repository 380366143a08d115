"""TCR-T: epitopes (peptide, HLA restriction) and TCR chains of constructs; target kind; hybrid receptor.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("target") as batch:
        batch.add_column(sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    with op.batch_alter_table("construct") as batch:
        batch.add_column(sa.Column("receptor", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_table(
        "epitope",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("construct_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("antigen", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("peptide", sqlmodel.sql.sqltypes.AutoString(length=25), nullable=False),
        sa.Column("hla", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("uniprot", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("peptide_start", sa.Integer(), nullable=True),
        sa.Column("peptide_end", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["construct_id"], ["construct.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_epitope_construct_id"), "epitope", ["construct_id"], unique=False)
    op.create_table(
        "tcrchain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("construct_id", sa.Integer(), nullable=False),
        sa.Column("sequence_record_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("chain", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("v_gene", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("v_allele", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("j_gene", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("j_allele", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("cdr3", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("constant", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("start", sa.Integer(), nullable=True),
        sa.Column("end", sa.Integer(), nullable=True),
        sa.Column("species", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["construct_id"], ["construct.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sequence_record_id"], ["sequencerecord.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_tcrchain_construct_id"), "tcrchain", ["construct_id"], unique=False)
    op.create_index(op.f("ix_tcrchain_sequence_record_id"), "tcrchain", ["sequence_record_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tcrchain_sequence_record_id"), table_name="tcrchain")
    op.drop_index(op.f("ix_tcrchain_construct_id"), table_name="tcrchain")
    op.drop_table("tcrchain")
    op.drop_index(op.f("ix_epitope_construct_id"), table_name="epitope")
    op.drop_table("epitope")
    with op.batch_alter_table("construct") as batch:
        batch.drop_column("receptor")
    with op.batch_alter_table("target") as batch:
        batch.drop_column("kind")
