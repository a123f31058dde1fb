"""subsidy_policy: the versions of the districts' subsidy policies

Revision ID: 0011_subsidy_policy
Revises: 0010_loan_list_columns
Create Date: 2026-11-30 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011_subsidy_policy"
down_revision: str | None = "0010_loan_list_columns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subsidy_policy",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("terms", JSONB(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("district", "year", "version", name="uq_subsidy_policy_version"),
    )
    op.create_index("ix_subsidy_policy_in_force", "subsidy_policy", ["district", "effective_from"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_subsidy_policy_in_force", table_name="subsidy_policy")
    op.drop_table("subsidy_policy")
