"""document: uploaded documents' metadata (their bytes are in the blob store, by SHA-256)

Revision ID: 0012_document
Revises: 0011_subsidy_policy
Create Date: 2026-11-30 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_document"
down_revision: str | None = "0011_subsidy_policy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("enterprise_id", sa.String(length=64), nullable=True),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploader_role", sa.String(length=32), nullable=False),
        sa.Column("uploader_org", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_document_enterprise_id"), "document", ["enterprise_id"], unique=False)
    op.create_index(op.f("ix_document_uploader_org"), "document", ["uploader_org"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_document_uploader_org"), table_name="document")
    op.drop_index(op.f("ix_document_enterprise_id"), table_name="document")
    op.drop_table("document")
