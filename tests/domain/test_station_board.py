"""A station board's row: the stage's age and the idle time in working days (the official calendar: a case idle over
National Day is not stalled by the holiday), the next date that matters, the stalled and near-deadline flags."""

from __future__ import annotations

from datetime import date, timedelta

from contracts.enums import Stage
from contracts.loan_state import Visit
from services.domain.stations.board import board_row, facts_of, next_due
from tests.domain import loan_states as s
from tests.workflows.loan_steps import SPECIALIST


def visited(on: date, next_on: date | None) -> Visit:
    return Visit(visited_on=on, people=["周光明"], place="企业", outcome="政策解读", next_visit_on=next_on,
                 **s.by(SPECIALIST, on))  # fmt: skip


def test_idle_across_national_day_counts_working_days_only() -> None:
    state = s.opened()
    # 2025-09-30 (Tue) to 2025-10-09 (Thu): 1–8 October are holidays, 28 Sep and 11 Oct make-up days
    row = board_row(facts_of(state, date(2025, 9, 30), date(2025, 9, 30)), date(2025, 10, 9))
    assert (row.idle, row.age, row.stalled) == (1, 1, False)
    later = board_row(facts_of(state, date(2025, 9, 30), date(2025, 9, 30)), date(2025, 10, 21))
    assert (later.idle, later.stalled) == (10, True)  # guidance: stalled after 10 working days


def test_a_stage_may_be_given_its_own_limit() -> None:
    row = board_row(facts_of(s.opened(), date(2026, 3, 2), date(2026, 3, 2)), date(2026, 3, 5), {Stage.GUIDANCE: 3})
    assert (row.idle, row.stalled) == (3, True)


def test_the_next_date_is_the_earliest_of_a_deadline_a_planned_visit_an_instalment() -> None:
    state = s.filed()  # filed on 2026-03-10, deadline three days later
    assert next_due(facts_of(state, s.FILED_ON, s.FILED_ON)) == (
        s.FILED_ON + timedelta(days=3),
        "registration_deadline",
    )
    state.visits.append(visited(date(2026, 3, 9), date(2026, 3, 11)))
    assert next_due(facts_of(state, s.FILED_ON, s.FILED_ON)) == (date(2026, 3, 11), "planned_visit")
    row = board_row(facts_of(state, s.FILED_ON, s.FILED_ON), date(2026, 3, 10))
    assert (row.near_deadline, row.last_visit) == (True, date(2026, 3, 9))
    disbursed = s.disbursed()
    assert next_due(facts_of(disbursed, s.DISBURSED_ON, s.DISBURSED_ON))[1] == "instalment"


def test_far_from_its_next_date_a_case_is_not_near_its_deadline() -> None:
    state = s.opened()
    state.visits.append(visited(date(2026, 3, 2), date(2026, 4, 30)))
    row = board_row(facts_of(state, date(2026, 3, 2), date(2026, 3, 2)), date(2026, 3, 3))
    assert (row.due, row.near_deadline) == (date(2026, 4, 30), False)
