"""A station's board: its open cases with their ages and flags (services/domain/stations/board), seen by the
station's own specialists, its district's office and the administrators — a specialist of another station is told
there is no such station (404). Filtered and sorted as the query string says."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import OrganisationKind, Role, Stage
from services.api.errors import NotFound
from services.api.stations.schemas import Board, BoardCase, BoardSort
from services.api.subsidies.service import today
from services.domain.calendar import PackageCalendar
from services.domain.stations.board import OPEN_STAGES, STALLED_AFTER, board_row
from services.platform.auth import Principal
from services.store import organisations, stations
from services.store.tables import Organisation


class StationNotFound(NotFound):
    type_slug = "station-not-found"
    title = "No such service station"


async def board(
    session: AsyncSession,
    principal: Principal,
    station_id: str,
    *,
    stalled_after: dict[Stage, int],
    stage: Stage | None = None,
    stalled: bool | None = None,
    near_deadline: bool | None = None,
    sort: BoardSort = "idle",
    descending: bool = True,
    mine: bool = False,
) -> Board:
    station = await visible_station(session, principal, station_id)
    day = today()
    limits = STALLED_AFTER | stalled_after
    calendar = PackageCalendar()  # one for the board: each year's days looked up once
    rows = [board_row(f, day, limits, calendar) for f in await stations.board_facts(session, station_id, OPEN_STAGES)]
    cases = [
        BoardCase(**row.__dict__, stage_label=row.stage.label)
        for row in rows
        if (stage is None or row.stage is stage)
        and (stalled is None or row.stalled is stalled)
        and (near_deadline is None or row.near_deadline is near_deadline)
        and (not mine or row.specialist_sub == principal.sub)
    ]
    cases.sort(key=_KEYS[sort], reverse=descending)
    return Board(station_id=station.id, station_name=station.name, today=day, stalled_after=limits, cases=cases)


async def visible_station(session: AsyncSession, principal: Principal, station_id: str) -> Organisation:
    """The station, if the caller sees it (its own specialists, its district's office, administrators); 404 if not."""
    station = await organisations.get_organisation(session, station_id)
    if station is None or station.kind != OrganisationKind.SERVICE_STATION or not _sees(principal, station):
        raise StationNotFound(f"There is no service station {station_id!r} that you can see.")
    return station


_KEYS = {
    "age": lambda c: (c.age, c.loan_id),
    "idle": lambda c: (c.idle, c.loan_id),
    "due": lambda c: (c.due is not None, c.due or c.stage_since, c.loan_id),
    "enterprise": lambda c: (c.enterprise_name, c.loan_id),
    "stage": lambda c: (OPEN_STAGES.index(c.stage), c.loan_id),
}


def _sees(principal: Principal, station: object) -> bool:
    if principal.role in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
        return True
    if principal.role is Role.STATION_SPECIALIST:
        return principal.org_id == getattr(station, "id", None)
    if principal.role is Role.DISTRICT_REVIEWER:
        return principal.district is not None and principal.district == getattr(station, "district", None)
    return False
