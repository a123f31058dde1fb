"""subsidy_claim.funded and .paid: the amounts of the funding plan and of the payment, for a round's budget

Revision ID: 0014_subsidy_claim_funding
Revises: 0013_subsidy_claims
Create Date: 2026-11-30 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_subsidy_claim_funding"
down_revision: str | None = "0013_subsidy_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("subsidy_claim", sa.Column("funded", sa.Numeric(precision=15, scale=2), nullable=True))
    op.add_column("subsidy_claim", sa.Column("paid", sa.Numeric(precision=15, scale=2), nullable=True))


def downgrade() -> None:
    op.drop_column("subsidy_claim", "paid")
    op.drop_column("subsidy_claim", "funded")
