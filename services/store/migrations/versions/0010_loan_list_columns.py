"""loan.enterprise_name and loan.waiting_on: what a list row shows (the enterprise's name as the case holds it, who
the loan waits on and for which steps) in columns of their own, so that lists never read the whole `state`

Revision ID: 0010_loan_list_columns
Revises: 0009_loan_updated_at_index
Create Date: 2026-11-30 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0010_loan_list_columns"
down_revision: str | None = "0009_loan_updated_at_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("loan", sa.Column("enterprise_name", sa.Text(), nullable=False, server_default=""))
    op.add_column("loan", sa.Column("waiting_on", JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")))
    # Rows written before: the same values, taken from the state the workflow last wrote.
    op.execute(
        "UPDATE loan SET enterprise_name = coalesce(state->>'enterprise_name', ''),"
        " waiting_on = coalesce(state->'waiting_on', '[]'::jsonb)"
    )


def downgrade() -> None:
    op.drop_column("loan", "waiting_on")
    op.drop_column("loan", "enterprise_name")
