"""loan_event: a timeline seq is unique per loan

Revision ID: 0005_loan_event_seq_unique
Revises: 0004_audit_chain_head
Create Date: 2026-11-22 02:00:00

A loan step and a disposal step of the same loan persisted at the same instant could both take max(seq) + 1.
Timelines that already hold such a tie are renumbered first, in the order they were listed (seq, then id); the
constraint then makes the later writer fail and retry (its activity is retried) with the next number.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_loan_event_seq_unique"
down_revision: str | None = "0004_audit_chain_head"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE loan_event e SET seq = numbered.position
        FROM (
            SELECT id, row_number() OVER (PARTITION BY loan_id ORDER BY seq, id) AS position
            FROM loan_event
            WHERE loan_id IN (SELECT loan_id FROM loan_event GROUP BY loan_id, seq HAVING count(*) > 1)
        ) AS numbered
        WHERE e.id = numbered.id AND e.seq <> numbered.position
        """
    )
    op.create_unique_constraint("uq_loan_event_seq", "loan_event", ["loan_id", "seq"])


def downgrade() -> None:
    op.drop_constraint("uq_loan_event_seq", "loan_event", type_="unique")
