"""A station's visits: planned by its specialists, then done, cancelled or failed (incident); the calendar of a date
range. The rules of the dates are `services/domain/stations/visits`; who may see a station is the board's rule.

Exactly once, under retries and restarts:
- a visit's id derives from the request's Idempotency-Key, and it is written with ON CONFLICT DO NOTHING: a retry
  that the key's stored answer did not catch (the first died between its commit and storing its answer) finds the
  visit it planned instead of planning a second;
- a visit done on an open case is logged on the case's workflow first (the `log_visit` step, one update whose id is
  the visit's, whichever request sends it), and only then marked done in the database: the database never shows a
  visit done that the case did not take, and a retry after a failure in between joins the same update instead of
  logging the visit twice. A case that has closed since takes no more steps: the visit is marked done on the
  station's record only (`logged_on_case` false), and the service record counts it from there;
- a visit ends once: the end is a compare-and-set on its planned state (409 for the second)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from contracts.enums import Role, Stage
from contracts.loan_state import StepResult
from contracts.loan_steps import LogVisitInput
from contracts.loans import LoanUpdate
from contracts.queues import loan_workflow_id
from contracts.visits import (
    CancelVisitRequest,
    IncidentKind,
    PlanVisitRequest,
    VisitDoneRequest,
    VisitIncidentRequest,
    VisitState,
)
from services.api.dependencies import RequestContext, actor_of
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.api.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.api.stations.service import visible_station
from services.api.subsidies.service import today
from services.api.visits.schemas import VisitCalendar, VisitView
from services.api.workflow_updates import send_update
from services.domain.calendar import shanghai_date
from services.domain.stations.visits import (
    VisitAlreadyEnded,
    VisitDateRefused,
    check_happened,
    check_next_visit,
    check_open,
    check_plan,
)
from services.platform.auth import Principal
from services.store import loans, reference, visits
from services.store.audit import append_audit
from services.store.station_tables import StationVisit
from services.store.tables import Loan

MAX_RANGE_DAYS = 92  # a calendar's range: a quarter at most (a month view shows six weeks)


class VisitNotFound(NotFound):
    type_slug = "visit-not-found"
    title = "No such visit"


class VisitRefused(Unprocessable):
    type_slug = "visit-refused"
    title = "The visit was refused"


class VisitEnded(Conflict):
    type_slug = "visit-ended"
    title = "The visit has ended already"


class NotTheStationsSpecialist(Forbidden):
    type_slug = "not-the-stations-specialist"
    title = "Only the station's specialists record its visits"


def require_specialist(principal: Principal, station_id: str) -> None:
    if principal.role is not Role.STATION_SPECIALIST or principal.org_id != station_id:
        raise NotTheStationsSpecialist("Visits are planned and recorded by the station's own specialists.")


def view_of(row: StationVisit, names: dict[str, str]) -> VisitView:
    record: dict[str, Any] = row.record or {}
    return VisitView(
        id=row.id, station_id=row.station_id, enterprise_id=row.enterprise_id,
        enterprise_name=names.get(row.enterprise_id, row.enterprise_id), loan_id=row.loan_id,
        state=VisitState(row.state), state_label=VisitState(row.state).label, planned_on=row.planned_on,
        starts_at=row.starts_at, day=row.day, place=row.place, purposes=row.purposes, specialist=row.specialist,
        account_manager=row.account_manager, note=row.note, planned_by=row.planned_by, planned_at=row.planned_at,
        ended_by=row.ended_by, ended_at=row.ended_at, **record,
    )  # fmt: skip


async def _case(session: AsyncSession, station_id: str, enterprise_id: str, loan_id: str | None) -> Loan | None:
    if loan_id is None:
        return None
    loan = await loans.get_loan(session, loan_id)
    if loan is None or loan.station_id != station_id or loan.enterprise_id != enterprise_id:
        raise VisitRefused(f"Loan {loan_id!r} is not a case of your station for this enterprise.")
    return loan


def _opened(loan: Loan | None) -> date | None:
    return shanghai_date(loan.opened_at) if loan is not None else None


async def plan(
    session: AsyncSession, context: RequestContext, station_id: str, body: PlanVisitRequest, *, visit_id: str
) -> VisitView:
    principal = context.principal
    station = await visible_station(session, principal, station_id)
    require_specialist(principal, station_id)
    enterprise = await reference.get_enterprise(session, body.enterprise_id)
    if enterprise is None:
        raise EnterpriseNotFound(f"There is no enterprise {body.enterprise_id!r}.")
    if station.district is not None and enterprise.district != station.district:
        raise VisitRefused(f"{enterprise.name} is registered in another district; your station serves its own.")
    loan = await _case(session, station_id, body.enterprise_id, body.loan_id)
    if loan is not None and Stage(loan.stage).is_terminal:
        raise VisitRefused(f"The case {loan.id} is closed ({Stage(loan.stage).label}): plan the visit without it.")
    try:
        check_plan(body.planned_on, today(), _opened(loan))
    except VisitDateRefused as refused:
        raise VisitRefused(str(refused)) from None
    now = datetime.now(UTC)
    row = await visits.add_visit(session, _planned_row(visit_id, station_id, body, principal.sub, now))
    await append_audit(session, context.audit("visit.planned", "station_visit", row.id, body.model_dump(mode="json")))
    await session.commit()
    return view_of(row, {enterprise.id: enterprise.name})


def _planned_row(visit_id: str, station_id: str, body: PlanVisitRequest, by: str, now: datetime) -> dict[str, Any]:
    return {
        "id": visit_id, "station_id": station_id, "enterprise_id": body.enterprise_id, "loan_id": body.loan_id,
        "state": VisitState.PLANNED.value, "planned_on": body.planned_on, "starts_at": body.starts_at,
        "day": body.planned_on, "place": body.place, "purposes": [p.value for p in body.purposes],
        "specialist": body.specialist or by, "account_manager": body.account_manager, "note": body.note,
        "planned_by": by, "planned_at": now,
    }  # fmt: skip


async def visible_visit(session: AsyncSession, principal: Principal, station_id: str, visit_id: str) -> StationVisit:
    await visible_station(session, principal, station_id)
    row = await visits.get_visit(session, visit_id)
    if row is None or row.station_id != station_id:
        raise VisitNotFound(f"Your station has no visit {visit_id!r}.")
    return row


async def _open_visit(session: AsyncSession, principal: Principal, station_id: str, visit_id: str) -> StationVisit:
    row = await visible_visit(session, principal, station_id, visit_id)
    require_specialist(principal, station_id)
    try:
        check_open(VisitState(row.state))
    except VisitAlreadyEnded as ended:
        raise VisitEnded(str(ended)) from None
    return row


def _happened(day: date, loan: Loan | None, what: str) -> None:
    try:
        check_happened(day, today(), _opened(loan), what)
    except VisitDateRefused as refused:
        raise VisitRefused(str(refused)) from None


async def done(
    session: AsyncSession,
    temporal: Client,
    context: RequestContext,
    station_id: str,
    visit_id: str,
    body: VisitDoneRequest,
) -> VisitView:
    principal = context.principal
    row = await _open_visit(session, principal, station_id, visit_id)
    loan = await _case(session, station_id, row.enterprise_id, row.loan_id)
    _happened(body.visited_on, loan, "The visit")
    try:
        check_next_visit(body.visited_on, body.next_visit_on)
        if body.next_visit_on is not None:
            check_plan(body.next_visit_on, today(), _opened(loan))
    except VisitDateRefused as refused:
        raise VisitRefused(str(refused)) from None
    place = body.place or row.place
    logged = loan is not None and not Stage(loan.stage).is_terminal
    if logged:
        assert loan is not None
        await session.commit()  # the connection goes back to the pool while the case takes the step
        people = list(body.people)
        if body.account_manager_present and row.account_manager and row.account_manager not in people:
            people.append(row.account_manager)
        step = LogVisitInput(
            actor=actor_of(principal), request_id=context.request_id, visited_on=body.visited_on, people=people,
            place=place, outcome=_outcome(body), next_action=body.next_step, next_visit_on=body.next_visit_on,
        )  # fmt: skip
        await send_update(
            temporal, context, loan_workflow_id(loan.id), LoanUpdate.LOG_VISIT.value, step, StepResult,
            closed=_case_closed, what="case", fixed_id=f"station-visit-{row.id}-done",
        )  # fmt: skip
    now = datetime.now(UTC)
    follow_up = None
    if body.next_visit_on is not None:
        follow_up = hashlib.sha256(f"follow-up\n{row.id}".encode()).hexdigest()[:16]
    record = body.model_dump(mode="json", include={"people", "account_manager_present", "outcome", "documents"})
    record |= {
        "next_step": body.next_step, "follow_up_id": follow_up, "logged_on_case": logged,
        "next_visit_on": body.next_visit_on.isoformat() if body.next_visit_on else None,
    }  # fmt: skip
    purposes = [p.value for p in body.purposes] if body.purposes else row.purposes
    changes = {
        "state": VisitState.DONE.value, "day": body.visited_on, "place": place, "purposes": purposes,
        "record": record, "ended_by": principal.sub, "ended_at": now,
    }  # fmt: skip
    if not await visits.end_visit(session, row.id, changes):
        raise VisitEnded("The visit was ended by another request just now.")
    if follow_up is not None and body.next_visit_on is not None:
        again = PlanVisitRequest(
            enterprise_id=row.enterprise_id, loan_id=row.loan_id if logged else None, planned_on=body.next_visit_on,
            place=place, purposes=purposes, specialist=row.specialist, account_manager=row.account_manager,
            note=body.next_step,
        )  # fmt: skip
        await visits.add_visit(session, _planned_row(follow_up, station_id, again, principal.sub, now))
    await append_audit(session, context.audit("visit.done", "station_visit", row.id, body.model_dump(mode="json")))
    await session.commit()
    return await _answer(session, principal, station_id, row.id)


def _outcome(body: VisitDoneRequest) -> str:
    collected = f"（收集材料：{'、'.join(body.documents)}）" if body.documents else ""
    return (body.outcome + collected)[:2000]


async def _case_closed() -> str:
    return "The case has closed while the visit was being recorded; send the request again to record it."


async def cancel(
    session: AsyncSession, context: RequestContext, station_id: str, visit_id: str, body: CancelVisitRequest
) -> VisitView:
    row = await _open_visit(session, context.principal, station_id, visit_id)
    await _end(session, context, row, VisitState.CANCELLED, row.day, {"reason": body.reason}, body)
    return await _answer(session, context.principal, station_id, row.id)


async def incident(
    session: AsyncSession, context: RequestContext, station_id: str, visit_id: str, body: VisitIncidentRequest
) -> VisitView:
    row = await _open_visit(session, context.principal, station_id, visit_id)
    loan = await _case(session, station_id, row.enterprise_id, row.loan_id)
    _happened(body.occurred_on, loan, "The failed visit")
    record = {"incident_kind": IncidentKind(body.kind).value, "reason": body.reason}
    await _end(session, context, row, VisitState.INCIDENT, body.occurred_on, record, body)
    return await _answer(session, context.principal, station_id, row.id)


async def _end(
    session: AsyncSession,
    context: RequestContext,
    row: StationVisit,
    state: VisitState,
    day: date,
    record: dict[str, Any],
    body: CancelVisitRequest | VisitIncidentRequest,
) -> None:
    changes = {
        "state": state.value, "day": day, "record": record, "ended_by": context.principal.sub,
        "ended_at": datetime.now(UTC),
    }  # fmt: skip
    if not await visits.end_visit(session, row.id, changes):
        raise VisitEnded("The visit was ended by another request just now.")
    await append_audit(session, context.audit(f"visit.{state.value}", "station_visit", row.id, body.model_dump()))
    await session.commit()


async def _answer(session: AsyncSession, principal: Principal, station_id: str, visit_id: str) -> VisitView:
    row = await visible_visit(session, principal, station_id, visit_id)
    return view_of(row, await reference.enterprise_names(session, [row.enterprise_id]))


async def get(session: AsyncSession, principal: Principal, station_id: str, visit_id: str) -> VisitView:
    return await _answer(session, principal, station_id, visit_id)


async def calendar(
    session: AsyncSession,
    principal: Principal,
    station_id: str,
    start: date | None,
    end: date | None,
    specialist: str | None,
) -> VisitCalendar:
    """The station's visits on start..end (by default the week of today, Monday to Sunday)."""
    station = await visible_station(session, principal, station_id)
    day = today()
    start = start or date.fromordinal(day.toordinal() - day.weekday())
    end = end or date.fromordinal(min(start.toordinal() + 6, date.max.toordinal()))
    if end < start or (end - start).days >= MAX_RANGE_DAYS:
        raise VisitRefused(f"The range runs from a day to a later one, at most {MAX_RANGE_DAYS} days ({start}–{end}).")
    rows = await visits.list_visits(session, station_id, start, end, specialist)
    names = await reference.enterprise_names(session, sorted({r.enterprise_id for r in rows}))
    return VisitCalendar(
        station_id=station.id, station_name=station.name, start=start, end=end, today=day, specialist=specialist,
        visits=[view_of(r, names) for r in rows],
    )  # fmt: skip
