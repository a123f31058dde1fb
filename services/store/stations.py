"""A station's open cases for its board, in one statement: each case's columns, when it entered its current stage
(the first event of the trailing run of its timeline in that stage), its last visit and the visit it planned next,
the earliest deadline of a pending registration, the earliest instalment not yet settled and the specialist the
enterprise is assigned to — taken out of the
state in SQL, so that the board never loads and validates whole states."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Stage
from services.domain.calendar import shanghai_date
from services.domain.stations.board import CaseFacts

_BOARD = text(
    """
    WITH cases AS (
        SELECT id, enterprise_id, enterprise_name, stage, updated_at, opened_at, waiting_on, state
        FROM loan WHERE station_id = :station AND stage IN :stages
    ), last_other AS (
        SELECT e.loan_id, max(e.seq) AS seq FROM loan_event e JOIN cases c ON c.id = e.loan_id
        WHERE e.stage <> c.stage GROUP BY e.loan_id
    ), since AS (
        SELECT e.loan_id, min(e.occurred_at) AS at FROM loan_event e JOIN cases c ON c.id = e.loan_id
        LEFT JOIN last_other o ON o.loan_id = e.loan_id
        WHERE e.seq > coalesce(o.seq, 0) GROUP BY e.loan_id
    )
    SELECT c.id, c.enterprise_id, c.enterprise_name, c.stage, c.updated_at, coalesce(s.at, c.opened_at), c.waiting_on,
           c.state->'visits'->-1->>'visited_on', c.state->'visits'->-1->>'next_visit_on',
           (SELECT min(f.value->>'deadline') FROM jsonb_each(coalesce(c.state->'filings', '{}'::jsonb)) f
             WHERE f.value->>'outcome' = 'pending'),
           (SELECT min(x->>'due_date')
              FROM jsonb_array_elements(coalesce(c.state->'servicing'->'ledger'->'lines', '[]'::jsonb)) x
             WHERE (x->>'principal')::numeric + (x->>'interest')::numeric
                   > coalesce((x->>'paid_principal')::numeric, 0) + coalesce((x->>'paid_interest')::numeric, 0))
           , m.name, m.sub
    FROM cases c LEFT JOIN since s ON s.loan_id = c.id
    LEFT JOIN enterprise_assignment a ON a.enterprise_id = c.enterprise_id AND a.station_id = :station
    LEFT JOIN station_member m ON m.station_id = a.station_id AND m.id = a.specialist_id
    ORDER BY c.updated_at
    """
).bindparams(bindparam("stages", expanding=True))


def _day(text_: str | None) -> date | None:
    return date.fromisoformat(text_) if text_ else None


async def board_facts(session: AsyncSession, station_id: str, stages: Sequence[Stage]) -> list[CaseFacts]:
    rows = await session.execute(_BOARD, {"station": station_id, "stages": [s.value for s in stages]})
    found = []
    for (
        loan_id, enterprise_id, name, stage, updated_at, since, waiting, visited, planned, deadline, due, who, sub,
    ) in rows.all():  # fmt: skip
        moment: datetime = since
        found.append(
            CaseFacts(
                loan_id=loan_id,
                enterprise_id=enterprise_id,
                enterprise_name=name,
                stage=Stage(stage),
                waiting_on=[(w["role"], list(w["actions"])) for w in waiting],
                stage_since=shanghai_date(moment),
                last_activity=shanghai_date(updated_at),
                last_visit=_day(visited),
                next_visit=_day(planned),
                registration_deadline=_day(deadline),
                next_instalment=_day(due),
                specialist=who,
                specialist_sub=sub,
            )
        )
    return found
