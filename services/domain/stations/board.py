"""A service station's board (服务站看板): each open case as its specialist follows it — the stage and how long it has
been in it, the next step and who it waits on, the next date that matters (a registration's deadline, a planned
visit, the next instalment), the last visit, and two flags: **stalled** (no activity for the stage's number of
working days) and **near deadline** (that date within a few working days, or past). Working days by the official
calendar (services/domain/calendar); pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from contracts.enums import Stage
from contracts.loan_state import LoanState
from services.domain.calendar import PackageCalendar, WorkingCalendar, calendar_is_official, working_days_between

# No activity for this many working days flags a case stalled, per stage (a district may set its own).
STALLED_AFTER: dict[Stage, int] = {
    Stage.GUIDANCE: 10,
    Stage.VALUATION: 10,
    Stage.APPROVAL: 5,
    Stage.REGISTRATION: 5,
    Stage.DISBURSEMENT: 5,
    Stage.SERVICING: 30,
    Stage.RELEASE: 10,
    Stage.DEFAULT: 10,
}
NEAR_DEADLINE_DAYS = 3
OPEN_STAGES = tuple(STALLED_AFTER)


@dataclass(frozen=True)
class CaseFacts:
    """What the board needs of one case (read in one statement by services/store/stations, or taken from a state)."""

    loan_id: str
    enterprise_id: str
    enterprise_name: str
    stage: Stage
    waiting_on: list[tuple[str, list[str]]]  # (role, actions)
    stage_since: date
    last_activity: date
    last_visit: date | None = None
    next_visit: date | None = None
    registration_deadline: date | None = None  # the earliest pending filing's
    next_instalment: date | None = None  # the earliest unsettled line's
    specialist: str | None = None  # the name of the specialist the enterprise is assigned to
    specialist_sub: str | None = None  # their sign-in subject


@dataclass(frozen=True)
class BoardRow:
    loan_id: str
    enterprise_id: str
    enterprise_name: str
    stage: Stage
    waiting_on: list[str]  # roles
    next_actions: list[str]  # the steps the case waits on, first the specialist's own
    due: date | None
    due_what: str | None  # registration_deadline, planned_visit, instalment
    last_visit: date | None
    stage_since: date
    age: int  # working days in the current stage
    idle: int  # working days since the last activity
    stalled: bool
    near_deadline: bool
    provisional: bool  # counted through a year whose official holidays are not yet published
    specialist: str | None = None
    specialist_sub: str | None = None


def facts_of(state: LoanState, stage_since: date, last_activity: date) -> CaseFacts:
    """A state's board facts (the store reads the same in SQL)."""
    pending = [f.deadline for f in state.filings.values() if f.outcome == "pending"]
    unsettled = [line.due_date for line in state.servicing.ledger.lines if not line.settled] if state.servicing else []
    return CaseFacts(
        loan_id=state.loan_id,
        enterprise_id=state.enterprise_id,
        enterprise_name=state.enterprise_name,
        stage=state.stage,
        waiting_on=[(w.role.value, list(w.actions)) for w in state.waiting_on],
        stage_since=stage_since,
        last_activity=last_activity,
        last_visit=state.visits[-1].visited_on if state.visits else None,
        next_visit=state.visits[-1].next_visit_on if state.visits else None,
        registration_deadline=min(pending) if pending else None,
        next_instalment=min(unsettled) if unsettled else None,
    )


def next_due(facts: CaseFacts) -> tuple[date | None, str | None]:
    """The earliest date that matters next: a pending registration's deadline, the planned next visit, the next
    instalment not yet settled."""
    found = [
        (day, what)
        for day, what in (
            (facts.registration_deadline, "registration_deadline"),
            (facts.next_visit, "planned_visit"),
            (facts.next_instalment, "instalment"),
        )
        if day is not None
    ]
    if not found:
        return None, None
    day, what = min(found)
    return day, what


def board_row(
    facts: CaseFacts,
    today: date,
    stalled_after: Mapping[Stage, int] = STALLED_AFTER,
    calendar: WorkingCalendar | None = None,
) -> BoardRow:
    calendar = calendar or PackageCalendar()
    due, what = next_due(facts)
    idle = working_days_between(facts.last_activity, today, calendar)
    near = due is not None and (due <= today or working_days_between(today, due, calendar) <= NEAR_DEADLINE_DAYS)
    mine = [a for role, actions in facts.waiting_on if role == "station_specialist" for a in actions]
    others = [a for role, actions in facts.waiting_on if role != "station_specialist" for a in actions]
    return BoardRow(
        loan_id=facts.loan_id,
        enterprise_id=facts.enterprise_id,
        enterprise_name=facts.enterprise_name,
        stage=facts.stage,
        waiting_on=[role for role, _ in facts.waiting_on],
        next_actions=list(dict.fromkeys(mine + others)),
        due=due,
        due_what=what,
        last_visit=facts.last_visit,
        stage_since=facts.stage_since,
        age=working_days_between(facts.stage_since, today, calendar),
        idle=idle,
        stalled=idle >= stalled_after.get(facts.stage, STALLED_AFTER.get(facts.stage, 10)),
        near_deadline=near,
        provisional=not calendar_is_official(today) or (due is not None and not calendar_is_official(due)),
        specialist=facts.specialist,
        specialist_sub=facts.specialist_sub,
    )
