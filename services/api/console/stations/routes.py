"""`/console/stations/{id}`: a station's board — its open cases with their stage, age and idle time in working days,
next step, due date, last visit, and the stalled and near-deadline flags — filtered and sorted in the query string,
from the API's own board service (the same access: the station's specialists, its district, administrators)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.enums import OrganisationKind, Role, Stage
from contracts.visits import RecordTouchRequest, TouchKind
from services.api.console.frame.forms import Refusal, attempt, form_text
from services.api.console.frame.render import Viewer, render
from services.api.console.frame.session import ViewerDep, posted
from services.api.dependencies import ResourcesDep, SessionDep
from services.api.params import IdPath
from services.api.service_records import service as service_records
from services.api.stations import roster, service
from services.api.stations.schemas import BoardSort
from services.api.subsidies.service import today
from services.domain.stations.board import OPEN_STAGES
from services.store import organisations
from services.store.tables import Organisation

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/stations", response_class=HTMLResponse)
async def stations_page(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    """The stations a district's office (or an administrator) looks after, each with its board, calendar and
    roster; a specialist goes to their own board."""
    assert viewer.principal is not None
    principal = viewer.principal
    if principal.role is Role.STATION_SPECIALIST:
        return RedirectResponse(f"/console/stations/{principal.org_id}", status_code=303)
    admin = principal.role in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN)
    district = None if admin else principal.district
    found: Sequence[Organisation] = []
    if admin or (principal.role is Role.DISTRICT_REVIEWER and district is not None):
        found = await organisations.list_organisations(
            session, kind=OrganisationKind.SERVICE_STATION, district=district, limit=200
        )
    return render(request, "stations/list.html", viewer, stations=found)


@router.get("/stations/{station_id}", response_class=HTMLResponse)
async def board_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    resources: ResourcesDep,
    station_id: IdPath,
    stage: Annotated[Stage | None, Query()] = None,
    stalled: Annotated[bool | None, Query()] = None,
    near_deadline: Annotated[bool | None, Query()] = None,
    sort: Annotated[BoardSort, Query()] = "idle",
    mine: Annotated[bool, Query()] = False,
) -> Response:
    assert viewer.principal is not None
    board = await service.board(
        session,
        viewer.principal,
        station_id,
        stalled_after=resources.settings.stalled_working_days,
        stage=stage,
        stalled=stalled,
        near_deadline=near_deadline,
        sort=sort,
        mine=mine,
    )
    return render(
        request, "stations/board.html", viewer, board=board, stages=OPEN_STAGES, chosen_stage=stage,
        stalled=stalled, near_deadline=near_deadline, sort=sort, mine=mine,
    )  # fmt: skip


@router.get("/enterprises/{enterprise_id}/service-record", response_class=HTMLResponse)
async def service_record_page(
    request: Request, viewer: ViewerDep, session: SessionDep, enterprise_id: IdPath
) -> Response:
    """An enterprise's service record: every touch of its station, the visits (家次) and the trips saved."""
    return await record_page(request, viewer, session, enterprise_id)


async def record_page(
    request: Request, viewer: Viewer, session: Any, enterprise_id: str, refusal: str | None = None, status: int = 200
) -> HTMLResponse:
    """The service record page; for the district's office, the stations of the district with their specialists
    to assign the enterprise to."""
    assert viewer.principal is not None
    record = await service_records.service_record(session, viewer.principal, enterprise_id)
    choices = await roster.assignment_choices(session, viewer.principal, enterprise_id)
    return render(
        request, "stations/service_record.html", viewer, status=status, record=record, refusal=refusal,
        specialist=viewer.principal.role is Role.STATION_SPECIALIST, touch_kinds=list(TouchKind), today=today(),
        key=uuid.uuid4().hex, choices=choices,
    )  # fmt: skip


@router.post("/enterprises/{enterprise_id}/touches", response_class=HTMLResponse)
async def record_touch(
    request: Request, viewer: ViewerDep, session: SessionDep, resources: ResourcesDep, enterprise_id: IdPath
) -> Response:
    """A call, a message or a meeting recorded by hand in the enterprise's service record."""
    assert viewer.principal is not None
    form, context = await posted(request, viewer.principal, resources)
    fields = {name: form_text(form, name) for name in ("kind", "occurred_on", "summary")}

    async def act() -> None:
        body = RecordTouchRequest.model_validate(fields)
        await service_records.record_touch(session, context, enterprise_id, body, touch_id=context.derived_id("touch"))

    if isinstance(refused := await attempt(session, act), Refusal):
        return await record_page(request, viewer, session, enterprise_id, refused.detail, refused.status)
    return RedirectResponse(f"/console/enterprises/{enterprise_id}/service-record", status_code=303)
