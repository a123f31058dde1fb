"""subsidy_claim.loan_id and enterprise_id may be empty: bank-institution claims (by a bank, for its loans in the
district) and securitisation claims (by an enterprise, for no loan of pledgeflow's)

Revision ID: 0016_claims_without_a_loan
Revises: 0015_claim_review_deadline
Create Date: 2026-11-30 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_claims_without_a_loan"
down_revision: str | None = "0015_claim_review_deadline"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("subsidy_claim", "loan_id", existing_type=sa.String(64), nullable=True)
    op.alter_column("subsidy_claim", "enterprise_id", existing_type=sa.String(64), nullable=True)


def downgrade() -> None:
    # Claims without a loan cannot be kept under the old schema.
    op.execute("DELETE FROM subsidy_claim_event WHERE claim_id IN (SELECT id FROM subsidy_claim WHERE loan_id IS NULL)")
    op.execute("DELETE FROM subsidy_claim WHERE loan_id IS NULL")
    op.alter_column("subsidy_claim", "enterprise_id", existing_type=sa.String(64), nullable=False)
    op.alter_column("subsidy_claim", "loan_id", existing_type=sa.String(64), nullable=False)
