"""The rules of a station's visits, as pure functions of the dates involved: when a visit may be planned and when it
may be said to have happened, cancelled or failed. Each broken rule is a `VisitDateRefused` with the sentence a
specialist reads; the API answers it 422 and changes nothing.

- planned: not in the past (a visit that already happened is planned for today and marked done), at most a year
  ahead, and not before its case opened;
- done or failed (incident): on a day that has come (not in the future), not before the case opened, and at most a
  month back — a specialist back from a visit of yesterday plans it for today and records it done yesterday — and,
  when done, the next visit after it;
- only a planned visit ends; an ended visit is as it ended (`VisitAlreadyEnded`, 409)."""

from __future__ import annotations

from datetime import date, timedelta

from contracts.visits import VisitState

PLAN_AHEAD = timedelta(days=366)
RECORD_BACK = timedelta(days=31)  # a visit is recorded while it is fresh: within a month (the stations report monthly)


class VisitDateRefused(ValueError):
    """A date the visit's rules refuse; the message says which and why."""


class VisitAlreadyEnded(ValueError):
    """The visit is done, cancelled or failed already: it does not change any more."""


def check_plan(planned_on: date, today: date, case_opened: date | None) -> None:
    if planned_on < today:
        raise VisitDateRefused(
            f"A visit is planned for today or later ({planned_on} has passed); to record a visit that took place, "
            "plan it for today and mark it done."
        )
    if planned_on > today + PLAN_AHEAD:
        raise VisitDateRefused(f"A visit is planned at most a year ahead ({planned_on} is after {today + PLAN_AHEAD}).")
    if case_opened is not None and planned_on < case_opened:
        raise VisitDateRefused(f"The case opened on {case_opened}; the visit cannot be planned before it.")


def check_happened(day: date, today: date, case_opened: date | None, what: str) -> None:
    """`what` took place on `day`: not in the future, not before its case opened, at most `RECORD_BACK` ago."""
    if day > today:
        raise VisitDateRefused(f"{what} cannot be dated in the future ({day}; today is {today}).")
    if case_opened is not None and day < case_opened:
        raise VisitDateRefused(f"{what} cannot be dated before the case opened ({day}; it opened on {case_opened}).")
    if day < today - RECORD_BACK:
        raise VisitDateRefused(
            f"{what} is recorded within {RECORD_BACK.days} days ({day} is before {today - RECORD_BACK}); older visits "
            "go in the station's own files."
        )


def check_next_visit(visited_on: date, next_visit_on: date | None) -> None:
    if next_visit_on is not None and next_visit_on <= visited_on:
        raise VisitDateRefused(f"The next visit comes after this one ({next_visit_on} is not after {visited_on}).")


def check_open(state: VisitState) -> None:
    if state is not VisitState.PLANNED:
        raise VisitAlreadyEnded(f"The visit is {state.label} already; only a planned visit can be changed.")
