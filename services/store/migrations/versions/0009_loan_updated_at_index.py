"""loan.updated_at indexed: lists ordered by latest activity (the console's case list, `GET /loans?sort=activity`)

Revision ID: 0009_loan_updated_at_index
Revises: 0008_console_sign_in
Create Date: 2026-11-30 13:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_loan_updated_at_index"
down_revision: str | None = "0008_console_sign_in"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_loan_updated_at"), "loan", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_loan_updated_at"), table_name="loan")
