"""console_sign_in: a sign-in under way at the organisation's OpenID provider (state, nonce, PKCE verifier), used once

Revision ID: 0008_console_sign_in
Revises: 0007_console_session
Create Date: 2026-11-30 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_console_sign_in"
down_revision: str | None = "0007_console_session"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_sign_in",
        sa.Column("flow_hash", sa.String(length=64), primary_key=True),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("verifier", sa.String(length=128), nullable=False),
        sa.Column("next_path", sa.String(length=500), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_console_sign_in_expires_at", "console_sign_in", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_console_sign_in_expires_at", table_name="console_sign_in")
    op.drop_table("console_sign_in")
