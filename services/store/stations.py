"""A station's open cases for its board: each with its state and the moment it entered its current stage (the first
event of the trailing run of its timeline in that stage), in two statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.store.tables import Loan

_STAGE_SINCE = text(
    """
    WITH last_other AS (
        SELECT e.loan_id, max(e.seq) AS seq
        FROM loan_event e JOIN loan l ON l.id = e.loan_id
        WHERE l.station_id = :station AND e.stage <> l.stage
        GROUP BY e.loan_id
    )
    SELECT e.loan_id, min(e.occurred_at)
    FROM loan_event e
    JOIN loan l ON l.id = e.loan_id
    LEFT JOIN last_other o ON o.loan_id = e.loan_id
    WHERE l.station_id = :station AND e.seq > coalesce(o.seq, 0)
    GROUP BY e.loan_id
    """
)


async def open_cases(session: AsyncSession, station_id: str, stages: Sequence[str]) -> Sequence[Loan]:
    query = select(Loan).where(col(Loan.station_id) == station_id, col(Loan.stage).in_(list(stages)))
    return (await session.execute(query.order_by(col(Loan.updated_at)))).scalars().all()


async def stage_since(session: AsyncSession, station_id: str) -> dict[str, datetime]:
    """loan id → when it entered its current stage, for the station's cases."""
    rows = await session.execute(_STAGE_SINCE, {"station": station_id})
    return {str(loan_id): moment for loan_id, moment in rows.all()}
