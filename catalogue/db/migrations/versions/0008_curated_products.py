"""Curated products (added or corrected by curators, on top of catalogue/reference/products.toml);
trials keep their registry summary, so a product change can classify them again.

Revision ID: 0008
Revises: 0010
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "curatedproduct",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aliases", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("patterns", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("targets", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("targets_source", sa.String(), nullable=True),
        sa.Column("modality", sa.String(length=20), nullable=True),
        sa.Column("modality_source", sa.String(), nullable=True),
        sa.Column("binder", sa.String(length=40), nullable=True),
        sa.Column("binder_source", sa.String(), nullable=True),
        sa.Column("developer", sa.String(), nullable=True),
        sa.Column("developer_source", sa.String(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("status_source", sa.String(), nullable=True),
        sa.Column("notes", sa.String(), nullable=True),
        sa.Column("curated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("curated_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.add_column("trial", sa.Column("summary", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("trial", "summary")
    op.drop_table("curatedproduct")
