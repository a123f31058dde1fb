"""What a specialist's home page shows first: the station's board — its counts (open, stalled, near a deadline) and
its cases — and the visits of the day."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Stage
from services.api.stations.schemas import Board
from services.api.stations.service import board
from services.api.subsidies.service import today
from services.api.visits.schemas import VisitView
from services.api.visits.service import calendar
from services.platform.auth import Principal


@dataclass(frozen=True)
class StationHome:
    station_id: str
    station_name: str
    open_cases: int
    stalled: int
    near_deadline: int
    visits_today: list[VisitView]
    board: Board  # the whole board: a specialist's home is their station's board


async def station_home(session: AsyncSession, principal: Principal, stalled_after: dict[Stage, int]) -> StationHome:
    found = await board(session, principal, principal.org_id, stalled_after=stalled_after)
    day = today()
    visits = await calendar(session, principal, principal.org_id, day, day, None)
    return StationHome(
        station_id=found.station_id,
        station_name=found.station_name,
        open_cases=len(found.cases),
        stalled=sum(1 for c in found.cases if c.stalled),
        near_deadline=sum(1 for c in found.cases if c.near_deadline),
        visits_today=visits.visits,
        board=found,
    )
