"""The dates of a visit, by the rules of services/domain/stations/visits: each refusal with the sentence a
specialist reads, each edge accepted."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.visits import VisitState
from services.domain.stations.visits import (
    VisitAlreadyEnded,
    VisitDateRefused,
    check_happened,
    check_next_visit,
    check_open,
    check_plan,
)

TODAY = date(2026, 12, 1)
OPENED = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("planned_on", "opened", "words"),
    [
        (date(2026, 11, 30), None, "has passed"),
        (date(2028, 1, 1), None, "at most a year ahead"),
        (date(2026, 12, 2), date(2026, 12, 3), "before it"),
        (TODAY, OPENED, None),
        (date(2027, 12, 2), None, None),
    ],
)
def test_a_visit_is_planned_from_today_to_a_year_ahead_and_not_before_its_case(
    planned_on: date, opened: date | None, words: str | None
) -> None:
    if words is None:
        check_plan(planned_on, TODAY, opened)
        return
    with pytest.raises(VisitDateRefused, match=words):
        check_plan(planned_on, TODAY, opened)


@pytest.mark.parametrize(
    ("day", "opened", "words"),
    [
        (date(2026, 12, 2), OPENED, "in the future"),
        (date(2026, 11, 19), OPENED, "before the case opened"),
        (date(2026, 10, 30), None, "within 31 days"),
        (date(2026, 10, 31), None, None),  # a month back, on no case
        (date(2026, 11, 24), OPENED, None),  # before the visit was planned: recorded afterwards
        (OPENED, OPENED, None),
        (TODAY, OPENED, None),
    ],
)
def test_a_visit_happened_between_its_case_opening_and_today_within_a_month(
    day: date, opened: date | None, words: str | None
) -> None:
    if words is None:
        check_happened(day, TODAY, opened, "The visit")
        return
    with pytest.raises(VisitDateRefused, match=words):
        check_happened(day, TODAY, opened, "The visit")


def test_the_next_visit_comes_after_this_one_and_only_a_planned_visit_ends() -> None:
    check_next_visit(TODAY, None)
    check_next_visit(TODAY, date(2026, 12, 2))
    with pytest.raises(VisitDateRefused, match="after this one"):
        check_next_visit(TODAY, TODAY)
    check_open(VisitState.PLANNED)
    for ended in (VisitState.DONE, VisitState.CANCELLED, VisitState.INCIDENT):
        with pytest.raises(VisitAlreadyEnded, match=ended.label):
            check_open(ended)
