"""station_visit, station_touch, visit_feed: a station's visits, the touches recorded by hand, calendar feeds

Revision ID: 0019_station_visits
Revises: 0018_whitelist_push
Create Date: 2026-11-30 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0019_station_visits"
down_revision: str | None = "0018_whitelist_push"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "station_visit",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("purposes", JSONB(), nullable=False),
        sa.Column("specialist", sa.String(length=200), nullable=False),
        sa.Column("account_manager", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("record", JSONB(), nullable=True),
        sa.Column("planned_by", sa.String(length=200), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("station_id", "enterprise_id", "loan_id", "day", "specialist"):
        op.create_index(op.f(f"ix_station_visit_{column}"), "station_visit", [column], unique=False)
    op.create_table(
        "station_touch",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("station_id", "enterprise_id"):
        op.create_index(op.f(f"ix_station_touch_{column}"), "station_touch", [column], unique=False)
    op.create_table(
        "visit_feed",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("specialist", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_sha256"),
    )
    op.create_index(op.f("ix_visit_feed_specialist"), "visit_feed", ["specialist"], unique=False)


def downgrade() -> None:
    op.drop_table("visit_feed")
    op.drop_table("station_touch")
    op.drop_table("station_visit")
