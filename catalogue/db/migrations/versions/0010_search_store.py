"""The search store: distinct protein sequences (chains and domains) and where they occur.

Existing sequence records are indexed here, in batches, with the same function the service layer
uses at import (:func:`catalogue.detect.segments.record_segments`).

Revision ID: 0010
Revises: 0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    op.create_table(
        "searchsequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(length=120), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("protein", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("checksum"),
    )
    op.create_table(
        "sequencesegment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_record_id", sa.Integer(), nullable=False),
        sa.Column("search_sequence_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("chain", sa.Integer(), nullable=False),
        sa.Column("chain_start", sa.Integer(), nullable=False),
        sa.Column("chain_end", sa.Integer(), nullable=False),
        sa.Column("record_start", sa.Integer(), nullable=False),
        sa.Column("record_end", sa.Integer(), nullable=False),
        sa.Column("strand", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["search_sequence_id"], ["searchsequence.id"]),
        sa.ForeignKeyConstraint(["sequence_record_id"], ["sequencerecord.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sequencesegment_sequence_record_id", "sequencesegment", ["sequence_record_id"])
    op.create_index("ix_sequencesegment_search_sequence_id", "sequencesegment", ["search_sequence_id"])
    _index_existing_records(op.get_bind())


def _index_existing_records(connection) -> None:
    from catalogue.db.search_store import write_segments

    last = 0
    while True:
        records = connection.execute(
            sa.text("SELECT id, sequence, molecule FROM sequencerecord WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BATCH},
        ).all()
        if not records:
            return
        ids = [r.id for r in records]
        domains: dict[int, list[dict]] = {i: [] for i in ids}
        rows = connection.execute(
            sa.text("SELECT sequence_record_id, kind, label, start, \"end\", source, protein_start, protein_end, "
                    "frame FROM domain WHERE sequence_record_id IN :ids ORDER BY sequence_record_id, position")
            .bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        )
        for row in rows:
            domains[row.sequence_record_id].append(dict(row._mapping))
        write_segments(connection, [(r.id, r.sequence, r.molecule, domains[r.id]) for r in records])
        last = ids[-1]


def downgrade() -> None:
    op.drop_index("ix_sequencesegment_search_sequence_id", table_name="sequencesegment")
    op.drop_index("ix_sequencesegment_sequence_record_id", table_name="sequencesegment")
    op.drop_table("sequencesegment")
    op.drop_table("searchsequence")
