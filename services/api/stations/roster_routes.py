"""Routes of a station's roster (`/stations/{id}/members`) and of an enterprise's assignment to a station."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.stations import AssignmentRequest, MemberRequest
from services.api.dependencies import PrincipalDep, RequestContextDep, SessionDep
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.api.errors import Unauthenticated, problem_responses
from services.api.params import IdPath
from services.api.stations import roster
from services.api.stations.roster import AssignmentView, Roster
from services.api.stations.service import StationNotFound

router = APIRouter(tags=["stations"])


@router.get(
    "/stations/{station_id}/members",
    response_model=Roster,
    summary="A station's roster: its specialists and the partner banks' account managers",
    responses=problem_responses(Unauthenticated, StationNotFound),
)
async def members(station_id: IdPath, session: SessionDep, principal: PrincipalDep) -> Roster:
    return await roster.roster_of(session, principal, station_id)


@router.put(
    "/stations/{station_id}/members/{member_id}",
    response_model=Roster,
    summary="Add or change a person on the station's roster (the district's office)",
    responses=problem_responses(Unauthenticated, StationNotFound, roster.NotTheDistrictsOffice, roster.RosterRefused),
)
async def put_member(
    station_id: IdPath, member_id: IdPath, body: MemberRequest, session: SessionDep, context: RequestContextDep
) -> Roster:
    return await roster.put_member(session, context, station_id, member_id, body)


@router.put(
    "/enterprises/{enterprise_id}/assignment",
    response_model=AssignmentView,
    summary="Assign the enterprise to a station of its district and one of its specialists (the district's office)",
    responses=problem_responses(
        Unauthenticated, EnterpriseNotFound, roster.NotTheDistrictsOffice, roster.RosterRefused
    ),
)
async def assign(
    enterprise_id: IdPath, body: AssignmentRequest, session: SessionDep, context: RequestContextDep
) -> AssignmentView:
    return await roster.assign(session, context, enterprise_id, body)
