"""subsidy_round, subsidy_claim, subsidy_claim_event: claim rounds, the claims' read model and their timelines

Revision ID: 0013_subsidy_claims
Revises: 0012_document
Create Date: 2026-11-30 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0013_subsidy_claims"
down_revision: str | None = "0012_document"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subsidy_round",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("filing_opens", sa.Date(), nullable=False),
        sa.Column("filing_closes", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["policy_id"], ["subsidy_policy.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_subsidy_round_district"), "subsidy_round", ["district"], unique=False)
    op.create_table(
        "subsidy_claim",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("district", sa.String(length=16), nullable=False),
        sa.Column("policy_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_name", sa.Text(), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("bank_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("claimed", sa.Numeric(precision=15, scale=2), nullable=False),
        sa.Column("computed", sa.Numeric(precision=15, scale=2), nullable=False),
        sa.Column("approved", sa.Numeric(precision=15, scale=2), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("state", JSONB(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["subsidy_round.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("round_id", "district", "loan_id", "enterprise_id", "station_id", "bank_id", "status", "updated_at"):
        op.create_index(op.f(f"ix_subsidy_claim_{column}"), "subsidy_claim", [column], unique=False)
    op.create_table(
        "subsidy_claim_event",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.String(length=64), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("actor_sub", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("actor_org", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["claim_id"], ["subsidy_claim.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "event_key", name="uq_subsidy_claim_event_key"),
    )
    op.create_index(op.f("ix_subsidy_claim_event_claim_id"), "subsidy_claim_event", ["claim_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_subsidy_claim_event_claim_id"), table_name="subsidy_claim_event")
    op.drop_table("subsidy_claim_event")
    for column in ("round_id", "district", "loan_id", "enterprise_id", "station_id", "bank_id", "status", "updated_at"):
        op.drop_index(op.f(f"ix_subsidy_claim_{column}"), table_name="subsidy_claim")
    op.drop_table("subsidy_claim")
    op.drop_index(op.f("ix_subsidy_round_district"), table_name="subsidy_round")
    op.drop_table("subsidy_round")
