"""Routes of `/stations`: a station's board of open cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from contracts.enums import Stage
from services.api.dependencies import PrincipalDep, ResourcesDep, SessionDep
from services.api.errors import Unauthenticated, problem_responses
from services.api.params import IdPath
from services.api.stations import service
from services.api.stations.schemas import Board, BoardSort

router = APIRouter(tags=["stations"])


@router.get(
    "/stations/{station_id}/cases",
    response_model=Board,
    summary="A station's board: every open case with its stage, age and idle time in working days, next step, due "
    "date, last visit, and the stalled and near-deadline flags (the station's own specialists and district)",
    responses=problem_responses(Unauthenticated, service.StationNotFound),
)
async def board(
    station_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    resources: ResourcesDep,
    stage: Annotated[Stage | None, Query()] = None,
    stalled: Annotated[bool | None, Query()] = None,
    near_deadline: Annotated[bool | None, Query()] = None,
    sort: Annotated[BoardSort, Query()] = "idle",
    descending: Annotated[bool, Query()] = True,
    mine: Annotated[bool, Query(description="only the cases of enterprises assigned to the caller")] = False,
) -> Board:
    return await service.board(
        session,
        principal,
        station_id,
        stalled_after=resources.settings.stalled_working_days,
        stage=stage,
        stalled=stalled,
        near_deadline=near_deadline,
        sort=sort,
        descending=descending,
        mine=mine,
    )
