"""The SQL of a station's visits, hand-recorded touches and calendar feeds. A visit is written once (its id derives
from the request's Idempotency-Key, so a retry finds it rather than planning it twice) and ended once: the end is a
compare-and-set on the planned state, so two ends racing leave one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contracts.visits import VisitState
from services.store.station_tables import StationTouch, StationVisit, VisitFeed
from services.store.tables import table_of

_VISIT = table_of(StationVisit)
_TOUCH = table_of(StationTouch)


async def add_visit(session: AsyncSession, row: dict[str, Any]) -> StationVisit:
    """The visit as planned; the one already written if a retry of the same request planned it before."""
    await session.execute(insert(_VISIT).values(row).on_conflict_do_nothing(index_elements=[_VISIT.c.id]))
    found = await get_visit(session, row["id"])
    assert found is not None
    return found


async def get_visit(session: AsyncSession, visit_id: str) -> StationVisit | None:
    query = select(StationVisit).where(col(StationVisit.id) == visit_id).execution_options(populate_existing=True)
    return (await session.execute(query)).scalars().first()


async def end_visit(session: AsyncSession, visit_id: str, changes: dict[str, Any]) -> bool:
    """The visit ended (done, cancelled, incident) if it was still planned; False if it had ended already."""
    ended = await session.execute(
        update(_VISIT)
        .where(_VISIT.c.id == visit_id, _VISIT.c.state == VisitState.PLANNED.value)
        .values(changes)
        .returning(_VISIT.c.id)
    )
    return ended.first() is not None


async def list_visits(
    session: AsyncSession, station_id: str, start: date, end: date, specialist: str | None = None
) -> Sequence[StationVisit]:
    """The station's visits on the days start..end (inclusive), by day and time."""
    query = select(StationVisit).where(
        col(StationVisit.station_id) == station_id, col(StationVisit.day) >= start, col(StationVisit.day) <= end
    )
    if specialist is not None:
        query = query.where(col(StationVisit.specialist) == specialist)
    query = query.order_by(col(StationVisit.day), col(StationVisit.starts_at).nulls_first(), col(StationVisit.id))
    return (await session.execute(query.limit(2000))).scalars().all()


async def add_touch(session: AsyncSession, row: dict[str, Any]) -> StationTouch:
    await session.execute(insert(_TOUCH).values(row).on_conflict_do_nothing(index_elements=[_TOUCH.c.id]))
    found = (await session.execute(select(StationTouch).where(col(StationTouch.id) == row["id"]))).scalars().first()
    assert found is not None
    return found


async def replace_feed(
    session: AsyncSession, station_id: str, specialist: str, token_sha256: str, now: datetime
) -> None:
    """The specialist's one feed of the station: a new address; the old one stops answering."""
    await session.execute(
        delete(VisitFeed).where(col(VisitFeed.station_id) == station_id, col(VisitFeed.specialist) == specialist)
    )
    session.add(VisitFeed(token_sha256=token_sha256, station_id=station_id, specialist=specialist, created_at=now))


async def feed_of(session: AsyncSession, token_sha256: str) -> VisitFeed | None:
    found = await session.execute(select(VisitFeed).where(col(VisitFeed.token_sha256) == token_sha256))
    return found.scalars().first()
