"""idempotency_record: a claim token, so that only the request holding a pending key completes or releases it

Revision ID: 0006_idempotency_claim_token
Revises: 0005_loan_event_seq_unique
Create Date: 2026-11-30 09:00:00

A retry takes over a key whose lease ran out with a new token; the first request, if it were still alive, could
no longer overwrite the answer stored by the retry. Keys pending before this migration have no token: they are
treated as abandoned and may be taken over as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_idempotency_claim_token"
down_revision: str | None = "0005_loan_event_seq_unique"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idempotency_record", sa.Column("claim_token", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("idempotency_record", "claim_token")
