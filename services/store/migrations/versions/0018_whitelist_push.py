"""whitelist_push, whitelist_push_event: white-listed enterprises pushed to banks, and their timelines

Revision ID: 0018_whitelist_push
Revises: 0017_whitelist
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0018_whitelist_push"
down_revision: str | None = "0017_whitelist"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "whitelist_push",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("enterprise_name", sa.Text(), nullable=False),
        sa.Column("bank_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("remind_on", sa.Date(), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("state", JSONB(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("district", "credit_code", "bank_id", "status", "loan_id", "pushed_at"):
        op.create_index(op.f(f"ix_whitelist_push_{column}"), "whitelist_push", [column], unique=False)
    op.create_table(
        "whitelist_push_event",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("push_id", sa.String(length=64), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("actor_sub", sa.String(length=200), nullable=False),
        sa.Column("actor_org", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["push_id"], ["whitelist_push.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("push_id", "event_key", name="uq_whitelist_push_event_key"),
    )
    op.create_index(op.f("ix_whitelist_push_event_push_id"), "whitelist_push_event", ["push_id"], unique=False)


def downgrade() -> None:
    op.drop_table("whitelist_push_event")
    op.drop_table("whitelist_push")
