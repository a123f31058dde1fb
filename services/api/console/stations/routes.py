"""`/console/stations/{id}`: a station's board — its open cases with their stage, age and idle time in working days,
next step, due date, last visit, and the stalled and near-deadline flags — filtered and sorted in the query string,
from the API's own board service (the same access: the station's specialists, its district, administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from contracts.enums import Stage
from services.api.console.frame.render import render
from services.api.console.frame.session import ViewerDep
from services.api.dependencies import ResourcesDep, SessionDep
from services.api.params import IdPath
from services.api.service_records import service as service_records
from services.api.stations import service
from services.api.stations.schemas import BoardSort
from services.domain.stations.board import OPEN_STAGES

router = APIRouter(prefix="/console", include_in_schema=False)


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
    )
    return render(
        request, "stations/board.html", viewer, board=board, stages=OPEN_STAGES, chosen_stage=stage,
        stalled=stalled, near_deadline=near_deadline, sort=sort,
    )  # fmt: skip


@router.get("/enterprises/{enterprise_id}/service-record", response_class=HTMLResponse)
async def service_record_page(
    request: Request, viewer: ViewerDep, session: SessionDep, enterprise_id: IdPath
) -> Response:
    """An enterprise's service record: every touch of its station, the visits (家次) and the trips saved."""
    assert viewer.principal is not None
    record = await service_records.service_record(session, viewer.principal, enterprise_id)
    return render(request, "stations/service_record.html", viewer, record=record)
