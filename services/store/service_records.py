"""An enterprise's service record, from what pledgeflow already holds: every step a station specialist took on its
cases (visits among them), every claim step filed for it, every document collected from it — in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_TOUCHES = text(
    """
    SELECT 'loan' AS source, e.kind, e.summary, e.actor_sub, e.actor_org, e.occurred_at, e.loan_id
    FROM loan_event e JOIN loan l ON l.id = e.loan_id
    WHERE l.enterprise_id = :enterprise AND e.actor_role = 'station_specialist'
    UNION ALL
    SELECT 'claim', e.kind, e.summary, e.actor_sub, e.actor_org, e.occurred_at, e.claim_id
    FROM subsidy_claim_event e JOIN subsidy_claim c ON c.id = e.claim_id
    WHERE c.enterprise_id = :enterprise AND e.actor_role = 'station_specialist'
    UNION ALL
    SELECT 'document', 'document_collected', d.filename, d.uploaded_by, d.uploader_org, d.created_at, d.id
    FROM document d
    WHERE d.enterprise_id = :enterprise AND d.uploader_role = 'station_specialist'
    ORDER BY 6 DESC
    LIMIT 500
    """
)


@dataclass(frozen=True)
class Touch:
    source: str  # loan, claim or document
    kind: str
    summary: str
    by: str
    station: str
    at: datetime
    subject: str  # the loan, claim or document


async def touches(session: AsyncSession, enterprise_id: str) -> list[Touch]:
    rows = await session.execute(_TOUCHES, {"enterprise": enterprise_id})
    return [Touch(*row) for row in rows.all()]
