"""Routes of `/stations/{id}/visits`: plan a visit, end it (done, cancelled, incident), the calendar of a date range,
one visit, and the specialist's iCalendar feed (`/feeds/visits/{token}.ics`, no sign-in: the address is the key)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import Response

from contracts.visits import CancelVisitRequest, PlanVisitRequest, VisitDoneRequest, VisitIncidentRequest
from services.api.dependencies import PrincipalDep, RequestContextDep, SessionDep, TemporalDep
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.api.errors import Unauthenticated, problem_responses
from services.api.loans.exceptions import STEP_ERRORS
from services.api.params import IdPath
from services.api.stations.service import StationNotFound, visible_station
from services.api.visits import feed, service
from services.api.visits.schemas import FeedAddress, VisitCalendar, VisitView
from services.api.workflow_updates import SENDING_ERRORS

router = APIRouter(tags=["visits"])

_VISIT = "/stations/{station_id}/visits/{visit_id}"
_ENDING = problem_responses(
    Unauthenticated, StationNotFound, service.VisitNotFound, service.NotTheStationsSpecialist,
    service.VisitEnded, service.VisitRefused,
)  # fmt: skip


@router.post(
    "/stations/{station_id}/visits",
    status_code=status.HTTP_201_CREATED,
    response_model=VisitView,
    summary="Plan a visit (the station's specialists): the enterprise and its case, the day and time, the place, the "
    "guidance items, the account manager coming along",
    responses=problem_responses(
        Unauthenticated, StationNotFound, EnterpriseNotFound, service.NotTheStationsSpecialist, service.VisitRefused
    ),
)
async def plan(
    station_id: IdPath, body: PlanVisitRequest, session: SessionDep, context: RequestContextDep
) -> VisitView:
    return await service.plan(session, context, station_id, body, visit_id=context.derived_id("visit"))


@router.get(
    "/stations/{station_id}/visits",
    response_model=VisitCalendar,
    summary="The station's visits from one day to another (by default this week), optionally one specialist's",
    responses=problem_responses(Unauthenticated, StationNotFound, service.VisitRefused),
)
async def calendar(
    station_id: IdPath,
    session: SessionDep,
    principal: PrincipalDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    specialist: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> VisitCalendar:
    return await service.calendar(session, principal, station_id, start, end, specialist)


@router.post(
    "/stations/{station_id}/visits/feed",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedAddress,
    summary="A new address of the calling specialist's calendar feed (iCalendar); the previous address stops working",
    responses=problem_responses(Unauthenticated, StationNotFound, service.NotTheStationsSpecialist),
)
async def feed_address(
    station_id: IdPath, request: Request, session: SessionDep, principal: PrincipalDep
) -> FeedAddress:
    await visible_station(session, principal, station_id)
    return await feed.new_address(session, principal, station_id, str(request.base_url))


@router.get(
    "/feeds/visits/{token}.ics",
    response_class=Response,
    summary="A specialist's visits as an iCalendar feed (RFC 5545), for a phone's calendar to subscribe to",
    responses={200: {"content": {"text/calendar": {}}}, **problem_responses(feed.FeedNotFound)},
)
async def visit_feed(token: Annotated[str, Path(min_length=1, max_length=200)], session: SessionDep) -> Response:
    return Response(await feed.feed(session, token), media_type="text/calendar; charset=utf-8")


@router.get(_VISIT, response_model=VisitView, summary="A visit", responses=_ENDING)
async def get_visit(station_id: IdPath, visit_id: IdPath, session: SessionDep, principal: PrincipalDep) -> VisitView:
    return await service.get(session, principal, station_id, visit_id)


@router.post(
    f"{_VISIT}/done",
    response_model=VisitView,
    summary="The visit took place: who went, the outcome, the documents collected, the next step (logged on its case; "
    "a next visit is planned)",
    responses={**_ENDING, **problem_responses(*STEP_ERRORS, *SENDING_ERRORS)},
)
async def done(
    station_id: IdPath,
    visit_id: IdPath,
    body: VisitDoneRequest,
    session: SessionDep,
    temporal: TemporalDep,
    context: RequestContextDep,
) -> VisitView:
    return await service.done(session, temporal, context, station_id, visit_id, body)


@router.post(f"{_VISIT}/cancel", response_model=VisitView, summary="Cancel a planned visit, with the reason",
             responses=_ENDING)  # fmt: skip
async def cancel(
    station_id: IdPath, visit_id: IdPath, body: CancelVisitRequest, session: SessionDep, context: RequestContextDep
) -> VisitView:
    return await service.cancel(session, context, station_id, visit_id, body)


@router.post(
    f"{_VISIT}/incident",
    response_model=VisitView,
    summary="The specialist went and could not serve the enterprise (closed, refused, moved), with the reason",
    responses=_ENDING,
)
async def incident(
    station_id: IdPath, visit_id: IdPath, body: VisitIncidentRequest, session: SessionDep, context: RequestContextDep
) -> VisitView:
    return await service.incident(session, context, station_id, visit_id, body)
