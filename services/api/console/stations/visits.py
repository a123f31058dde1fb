"""`/console/stations/{id}/visits`: a station's visit calendar (week and month, days off shaded by the official
calendar), the form that plans a visit, and a visit's page with the forms that end it — done (built to be filled in
on a laptop during the visit), cancelled, could not take place — and the specialist's phone-calendar address. Every
action goes through the API's own visit service (the same rules, the same answers)."""

from __future__ import annotations

import calendar as months
import uuid
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from contracts.enums import ChecklistItem
from contracts.stations import MemberKind
from contracts.visits import (
    CancelVisitRequest,
    IncidentKind,
    PlanVisitRequest,
    VisitDoneRequest,
    VisitIncidentRequest,
    VisitState,
)
from services.api.console.frame.forms import Refusal, attempt, form_lines, form_text
from services.api.console.frame.render import Viewer, render
from services.api.console.frame.session import ViewerDep, posted
from services.api.dependencies import ResourcesDep, SessionDep, TemporalDep
from services.api.params import IdPath
from services.api.stations import service as stations
from services.api.subsidies.service import today
from services.api.visits import feed, service
from services.api.visits.schemas import VisitView
from services.domain.calendar import PackageCalendar
from services.domain.stations.board import OPEN_STAGES
from services.store import reference, roster

router = APIRouter(prefix="/console/stations/{station_id}/visits", include_in_schema=False)

View = Literal["week", "month"]


def _days(view: View, anchor: date) -> list[list[date]]:
    """The weeks shown, Monday first: the anchor's week, or every week touching the anchor's month."""
    if view == "month":
        return months.Calendar(firstweekday=0).monthdatescalendar(anchor.year, anchor.month)
    monday = anchor - timedelta(days=anchor.weekday())
    return [[monday + timedelta(days=i) for i in range(7)]]


def _step(view: View, anchor: date, forward: bool) -> date:
    if view == "week":
        return anchor + timedelta(days=7 if forward else -7)
    first = anchor.replace(day=1)
    return (first + timedelta(days=32)).replace(day=1) if forward else (first - timedelta(days=1)).replace(day=1)


@router.get("", response_class=HTMLResponse)
async def calendar_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    station_id: IdPath,
    view: Annotated[View, Query()] = "week",
    day: Annotated[date | None, Query()] = None,
    mine: Annotated[bool, Query()] = False,
) -> Response:
    """The week or month of `day`; `mine`: only the visits the signed-in specialist goes on."""
    assert viewer.principal is not None
    anchor = day or today()
    if not date(2000, 1, 1) <= anchor <= date(2100, 12, 31):
        anchor = today()
    weeks = _days(view, anchor)
    who = viewer.principal.sub if mine else None
    found = await service.calendar(session, viewer.principal, station_id, weeks[0][0], weeks[-1][-1], who)
    by_day: dict[date, list[Any]] = {}
    for visit in found.visits:
        by_day.setdefault(visit.day, []).append(visit)
    working = PackageCalendar()
    return render(
        request, "stations/visits.html", viewer, found=found, weeks=weeks, by_day=by_day, view=view, anchor=anchor,
        previous=_step(view, anchor, False), following=_step(view, anchor, True),
        off={d for w in weeks for d in w if not working.is_working_day(d)},
        mine=_is_specialist(viewer, station_id), only_mine=mine,
    )  # fmt: skip


def _is_specialist(viewer: Viewer, station_id: str) -> bool:
    p = viewer.principal
    return p is not None and p.role.value == "station_specialist" and p.org_id == station_id


async def _plan_form(
    request: Request,
    viewer: Viewer,
    session: Any,
    station_id: str,
    *,
    values: dict[str, Any],
    refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    assert viewer.principal is not None
    station = await stations.visible_station(session, viewer.principal, station_id)
    board = await stations.board(session, viewer.principal, station_id, stalled_after={})
    cases = [c for c in board.cases if c.stage in OPEN_STAGES]
    listed = await reference.list_enterprises(session, district=station.district, after=None, limit=500)
    enterprises = {e.id: e.name for e in listed}
    people = [m for m in await roster.members(session, station_id) if m.active]
    return render(
        request, "stations/visit_plan.html", viewer, status=status, station=station, cases=cases,
        enterprises=enterprises, values=values, refusal=refusal, purposes=list(ChecklistItem),
        specialists=[m for m in people if m.kind == MemberKind.SPECIALIST and m.sub],
        managers=[m for m in people if m.kind == MemberKind.ACCOUNT_MANAGER],
        key=uuid.uuid4().hex,
    )  # fmt: skip


@router.get("/new", response_class=HTMLResponse)
async def plan_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    station_id: IdPath,
    loan: Annotated[str | None, Query(max_length=64)] = None,
    on: Annotated[date | None, Query()] = None,
) -> Response:
    values = {"loan_id": loan, "planned_on": (on or today()).isoformat(), "purposes": ["policy_briefing"]}
    return await _plan_form(request, viewer, session, station_id, values=values)


@router.post("/new", response_class=HTMLResponse)
async def plan(
    request: Request, viewer: ViewerDep, session: SessionDep, resources: ResourcesDep, station_id: IdPath
) -> Response:
    assert viewer.principal is not None
    form, context = await posted(request, viewer.principal, resources)
    loan_id = form_text(form, "loan_id")
    enterprise_id = form_text(form, "enterprise_id")
    if loan_id and "/" in loan_id:  # the case select carries "enterprise/loan"
        enterprise_id, loan_id = loan_id.split("/", 1)
    values = {
        "enterprise_id": enterprise_id, "loan_id": loan_id, "planned_on": form_text(form, "planned_on"),
        "starts_at": form_text(form, "starts_at"), "place": form_text(form, "place"),
        "purposes": [str(v) for v in form.getlist("purposes")], "account_manager": form_text(form, "account_manager"),
        "note": form_text(form, "note"), "specialist": form_text(form, "specialist"),
    }  # fmt: skip

    async def act() -> VisitView:
        body = PlanVisitRequest.model_validate(values)
        return await service.plan(session, context, station_id, body, visit_id=context.derived_id("visit"))

    visit = await attempt(session, act)
    if isinstance(visit, Refusal):
        return await _plan_form(
            request, viewer, session, station_id, values=values, refusal=visit.detail, status=visit.status
        )
    return RedirectResponse(f"/console/stations/{station_id}/visits/{visit.id}", status_code=303)


async def _visit_page(
    request: Request,
    viewer: Viewer,
    session: Any,
    station_id: str,
    visit_id: str,
    *,
    refusal: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    assert viewer.principal is not None
    visit = await service.get(session, viewer.principal, station_id, visit_id)
    names = {m.sub: m.name for m in await roster.members(session, station_id) if m.sub}
    return render(
        request, "stations/visit.html", viewer, status=status, visit=visit, refusal=refusal,
        mine=_is_specialist(viewer, station_id) and visit.state is VisitState.PLANNED, purposes=list(ChecklistItem),
        incident_kinds=list(IncidentKind), today=today(), key=uuid.uuid4().hex, names=names,
    )  # fmt: skip


@router.post("/feed", response_class=HTMLResponse)
async def feed_address(request: Request, viewer: ViewerDep, session: SessionDep, station_id: IdPath) -> Response:
    """A new phone-calendar address for the signed-in specialist, shown once on the calendar page."""
    assert viewer.principal is not None
    await stations.visible_station(session, viewer.principal, station_id)
    address = await feed.new_address(session, viewer.principal, station_id, str(request.base_url))
    return render(request, "stations/visit_feed.html", viewer, address=address, station_id=station_id)


@router.get("/{visit_id}", response_class=HTMLResponse)
async def visit_page(
    request: Request, viewer: ViewerDep, session: SessionDep, station_id: IdPath, visit_id: IdPath
) -> Response:
    return await _visit_page(request, viewer, session, station_id, visit_id)


@router.post("/{visit_id}/{ending}", response_class=HTMLResponse)
async def end(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    temporal: TemporalDep,
    resources: ResourcesDep,
    station_id: IdPath,
    visit_id: IdPath,
    ending: Literal["done", "cancel", "incident"],
) -> Response:
    """The visit's end from its page: done, cancelled or could not take place."""
    assert viewer.principal is not None
    form, context = await posted(request, viewer.principal, resources)
    refused = await attempt(session, lambda: _take(session, temporal, context, station_id, visit_id, ending, form))
    if isinstance(refused, Refusal):
        return await _visit_page(
            request, viewer, session, station_id, visit_id, refusal=refused.detail, status=refused.status
        )
    return RedirectResponse(f"/console/stations/{station_id}/visits/{visit_id}", status_code=303)


async def _take(
    session: Any, temporal: Any, context: Any, station_id: str, visit_id: str, ending: str, form: FormData
) -> None:
    if ending == "done":
        done = VisitDoneRequest.model_validate(
            {
                "visited_on": form_text(form, "visited_on"),
                "people": form_lines(form, "people"),
                "account_manager_present": form.get("account_manager_present") == "on",
                "place": form_text(form, "place"),
                "purposes": [str(v) for v in form.getlist("purposes")] or None,
                "outcome": form_text(form, "outcome"),
                "documents": form_lines(form, "documents"),
                "next_step": form_text(form, "next_step"),
                "next_visit_on": form_text(form, "next_visit_on"),
            }
        )
        await service.done(session, temporal, context, station_id, visit_id, done)
    elif ending == "cancel":
        cancel = CancelVisitRequest.model_validate({"reason": form_text(form, "reason")})
        await service.cancel(session, context, station_id, visit_id, cancel)
    else:
        fields = {name: form_text(form, name) for name in ("kind", "occurred_on", "reason")}
        await service.incident(session, context, station_id, visit_id, VisitIncidentRequest.model_validate(fields))
