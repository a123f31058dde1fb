"""whitelist_entry, whitelist_import, whitelist_import_row: the districts' white lists and their imports

Revision ID: 0017_whitelist
Revises: 0016_claims_without_a_loan
Create Date: 2026-11-30 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0017_whitelist"
down_revision: str | None = "0016_claims_without_a_loan"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "whitelist_entry",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("categories", JSONB(), nullable=False),
        sa.Column("financing_need", sa.Boolean(), nullable=False),
        sa.Column("ip_total", sa.Integer(), nullable=False),
        sa.Column("facts", JSONB(), nullable=False),
        sa.Column("import_id", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("district", "credit_code", name="uq_whitelist_district_code"),
    )
    for column in ("district", "credit_code", "financing_need"):
        op.create_index(op.f(f"ix_whitelist_entry_{column}"), "whitelist_entry", [column], unique=False)
    op.create_table(
        "whitelist_import",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counts", JSONB(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_by", sa.String(length=200), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("district", "created_at"):
        op.create_index(op.f(f"ix_whitelist_import_{column}"), "whitelist_import", [column], unique=False)
    op.create_table(
        "whitelist_import_row",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.Text(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("cells", JSONB(), nullable=False),
        sa.Column("facts", JSONB(), nullable=True),
        sa.ForeignKeyConstraint(["import_id"], ["whitelist_import.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_whitelist_import_row_import_id"), "whitelist_import_row", ["import_id"], unique=False)


def downgrade() -> None:
    op.drop_table("whitelist_import_row")
    op.drop_table("whitelist_import")
    op.drop_table("whitelist_entry")
