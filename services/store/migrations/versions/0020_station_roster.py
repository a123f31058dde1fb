"""station_member, enterprise_assignment: a station's roster, and the station and specialist serving an enterprise

Revision ID: 0020_station_roster
Revises: 0019_station_visits
Create Date: 2026-11-30 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_station_roster"
down_revision: str | None = "0019_station_visits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "station_member",
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sub", sa.String(length=200), nullable=True),
        sa.Column("bank_id", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "id"),
    )
    op.create_table(
        "enterprise_assignment",
        sa.Column("enterprise_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("specialist_id", sa.String(length=64), nullable=True),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("enterprise_id"),
    )
    op.create_index(
        op.f("ix_enterprise_assignment_station_id"), "enterprise_assignment", ["station_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("enterprise_assignment")
    op.drop_table("station_member")
