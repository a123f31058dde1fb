"""audit_chain_head(): lock an audit chain and read its last link in one round trip

Revision ID: 0004_audit_chain_head
Revises: 0003_servicing
Create Date: 2026-11-22 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_audit_chain_head"
down_revision: str | None = "0003_servicing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # VOLATILE plpgsql: the SELECT takes its snapshot after the lock is granted, so it sees what the previous
    # writer of the chain committed (a plain statement would have taken its snapshot before waiting).
    op.execute(
        """
        CREATE FUNCTION audit_chain_head(p_chain text, OUT seq bigint, OUT hash varchar)
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtextextended(p_chain, 0));
            SELECT a.seq, a.hash INTO seq, hash FROM audit_record a WHERE a.chain = p_chain
            ORDER BY a.seq DESC LIMIT 1;
        END
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION audit_chain_head(text)")
