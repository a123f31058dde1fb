"""subsidy_claim.review_deadline: the day the district's review of a claim is due (the list's overdue group)

Revision ID: 0015_claim_review_deadline
Revises: 0014_subsidy_claim_funding
Create Date: 2026-11-30 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_claim_review_deadline"
down_revision: str | None = "0014_subsidy_claim_funding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("subsidy_claim", sa.Column("review_deadline", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("subsidy_claim", "review_deadline")
