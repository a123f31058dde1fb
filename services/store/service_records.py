"""An enterprise's service record, from what pledgeflow already holds: every step a station specialist took on its
cases (visits among them), every claim step filed for it, every document collected from it, the station's visits
that no case logged (none open, or failed: an incident) and the touches recorded by hand — in one statement."""

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
    UNION ALL
    SELECT 'visit', CASE v.state WHEN 'done' THEN 'visit_logged' ELSE 'visit_incident' END,
           v.place || ': ' || coalesce(v.record->>'outcome', v.record->>'reason', ''), v.ended_by, v.station_id,
           v.ended_at, v.id
    FROM station_visit v
    WHERE v.enterprise_id = :enterprise AND (v.state = 'incident'
          OR (v.state = 'done' AND NOT coalesce((v.record->>'logged_on_case')::boolean, false)))
    UNION ALL
    SELECT 'touch', t.kind, t.summary, t.recorded_by, t.station_id,
           (t.occurred_on + time '12:00') AT TIME ZONE 'Asia/Shanghai', t.id
    FROM station_touch t WHERE t.enterprise_id = :enterprise
    ORDER BY 6 DESC
    LIMIT 500
    """
)


@dataclass(frozen=True)
class Touch:
    source: str  # loan, claim, document, visit (not on a case) or touch (recorded by hand)
    kind: str
    summary: str
    by: str
    station: str
    at: datetime
    subject: str  # the loan, claim, document, visit or touch


async def touches(session: AsyncSession, enterprise_id: str) -> list[Touch]:
    rows = await session.execute(_TOUCHES, {"enterprise": enterprise_id})
    return [Touch(*row) for row in rows.all()]
