"""The SQL of a station's roster and of enterprises' assignments to stations: each a row written whole by its
key (a PUT), so the same request sent twice leaves the same row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.store.station_tables import EnterpriseAssignment, StationMember
from services.store.tables import table_of

_MEMBER = table_of(StationMember)
_ASSIGNMENT = table_of(EnterpriseAssignment)


async def put_member(session: AsyncSession, row: dict[str, Any]) -> None:
    upsert = insert(_MEMBER).values(row)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[_MEMBER.c.station_id, _MEMBER.c.id],
            set_={k: upsert.excluded[k] for k in row if k not in ("station_id", "id")},
        )
    )


async def members(session: AsyncSession, station_id: str) -> Sequence[StationMember]:
    query = (
        select(StationMember)
        .where(col(StationMember.station_id) == station_id)
        .order_by(col(StationMember.kind).desc(), col(StationMember.name), col(StationMember.id))
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query.limit(500))).scalars().all()


async def get_member(session: AsyncSession, station_id: str, member_id: str) -> StationMember | None:
    return await session.get(StationMember, (station_id, member_id), populate_existing=True)


async def put_assignment(session: AsyncSession, row: dict[str, Any]) -> None:
    upsert = insert(_ASSIGNMENT).values(row)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[_ASSIGNMENT.c.enterprise_id],
            set_={k: upsert.excluded[k] for k in row if k != "enterprise_id"},
        )
    )


async def assignment_of(session: AsyncSession, enterprise_id: str) -> EnterpriseAssignment | None:
    query = (
        select(EnterpriseAssignment)
        .where(col(EnterpriseAssignment.enterprise_id) == enterprise_id)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalars().first()


async def add_members_if_absent(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """The demo roster: written once, never over what an office changed since."""
    for row in rows:
        await session.execute(
            insert(_MEMBER).values(row).on_conflict_do_nothing(index_elements=[_MEMBER.c.station_id, _MEMBER.c.id])
        )
