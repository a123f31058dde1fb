"""What a loan's timers decide: when it next wakes and what is due then (services/domain/loan_timers.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from contracts.enums import Authority, FilingChannel, RiskTier, Stage
from contracts.loan_state import Filing, LoanState, Reminder
from services.domain import loan_timers as timers
from services.domain import servicing as ledgers
from services.domain.calendar import (
    SHANGHAI,
    PackageCalendar,
    WorkingCalendar,
    YearNotLoaded,
    end_of_day,
    working_year,
)
from tests.bench.servicing_bench import servicing_state

# A Monday, 10:00 in Shanghai.
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def guidance() -> LoanState:
    state = servicing_state("L-timers", MONDAY, 5000).resume
    assert state is not None
    state.stage, state.servicing, state.disbursement = Stage.GUIDANCE, None, None
    return state


def disbursed(guarantor: str | None = "sz-guarantee") -> LoanState:
    state = servicing_state("L-timers", MONDAY, 5000).resume
    assert state is not None
    assert state.proposal is not None
    state.proposal.guarantor_id = guarantor
    return state


def filing(deadline: date) -> Filing:
    return Filing(
        asset_id="ip-gm-inv-1",
        attempt=1,
        authority=Authority.CNIPA,
        channel=FilingChannel.ONLINE,
        filed_on=deadline - timedelta(days=2),
        deadline=deadline,
        by=guidance().opened.by,
        at=MONDAY,
    )


class TestBeforeDisbursement:
    def test_an_idle_case_is_reminded_after_five_working_days(self) -> None:
        assert timers.next_open_moment(guidance(), PackageCalendar()) == end_of_day(date(2026, 11, 30))

    def test_a_reminder_restarts_the_count(self) -> None:
        state = guidance()
        state.reminders.append(
            Reminder(raised_at=MONDAY + timedelta(days=8), idle_since=date(2026, 11, 23), working_days=5)
        )
        assert timers.reminder_due(state, PackageCalendar()) == end_of_day(date(2026, 12, 8))

    @pytest.mark.usefixtures("published_to_2026")
    def test_the_reminder_counts_on_the_calendar_it_is_given(self) -> None:
        state = guidance()
        state.last_activity_at = datetime(2026, 12, 30, 2, 0, tzinfo=UTC)  # a Wednesday; 元旦 2027 on Friday
        state.config.reminder_working_days = 3
        assert timers.reminder_due(state, PackageCalendar()) == end_of_day(date(2027, 1, 5))
        legacy = PackageCalendar(statutory_fallback=False)  # runs started before the recorded calendar
        assert timers.reminder_due(state, legacy) == end_of_day(date(2027, 1, 4))
        with pytest.raises(YearNotLoaded):  # the workflow asks for 2027, then counts again
            timers.reminder_due(state, WorkingCalendar([working_year(2026)]))

    def test_a_pending_filing_wakes_the_loan_at_its_deadline(self) -> None:
        state = guidance()
        state.stage = Stage.REGISTRATION
        state.filings["ip-gm-inv-1"] = filing(date(2026, 11, 25))
        assert timers.next_open_moment(state, PackageCalendar()) == end_of_day(date(2026, 11, 25))
        assert timers.overdue_filings(state, end_of_day(date(2026, 11, 25)) - timedelta(seconds=1)) == []
        assert [f.asset_id for f in timers.overdue_filings(state, end_of_day(date(2026, 11, 25)))] == ["ip-gm-inv-1"]

    def test_filings_wait_while_the_loan_is_back_in_approval(self) -> None:
        state = guidance()
        state.stage = Stage.APPROVAL
        state.filings["ip-gm-inv-1"] = filing(date(2026, 11, 25))
        assert timers.awaiting_outcome(state) == []


class TestServicing:
    def test_the_first_due_date_is_announced_five_days_ahead_then_checked(self) -> None:
        state = disbursed()
        servicing = state.servicing
        assert servicing is not None
        first = servicing.ledger.lines[0]
        remind_on = first.due_date - timedelta(days=5)
        assert timers.next_servicing_moment(state, remind_on - timedelta(days=1)) == timers.start_of(remind_on)
        due = timers.reminders_due(state, remind_on)
        assert [(d.line.seq, d.announce) for d in due] == [(first.seq, True)]
        servicing.reminded.append(first.seq)
        assert timers.next_servicing_moment(state, remind_on) == end_of_day(first.due_date)
        assert timers.due_dates_passed(state, first.due_date) == []
        passed = timers.due_dates_passed(state, first.due_date + timedelta(days=1))
        assert [(d.line.seq, d.announce) for d in passed] == [(first.seq, True)]

    def test_a_paid_line_is_marked_but_not_announced(self) -> None:
        state = disbursed()
        servicing = state.servicing
        assert servicing is not None
        first = servicing.ledger.lines[0]
        servicing.ledger, _ = ledgers.apply_payment(servicing.ledger, first.unpaid, first.due_date - timedelta(days=6))
        assert [d.announce for d in timers.reminders_due(state, first.due_date - timedelta(days=5))] == [False]

    def test_a_late_reminder_after_the_due_date_is_not_announced(self) -> None:
        state = disbursed()
        first = state.servicing.ledger.lines[0]  # type: ignore[union-attr]
        assert next(d.announce for d in timers.reminders_due(state, first.due_date + timedelta(days=1))) is False

    def test_no_reminders_when_they_are_switched_off(self) -> None:
        state = disbursed()
        state.config.due_reminder_days = 0
        assert timers.reminders_due(state, date(2030, 1, 1)) == []


class TestStanding:
    @pytest.mark.parametrize(
        ("days", "tier"),
        [(0, RiskTier.NORMAL), (1, RiskTier.SPECIAL_MENTION), (91, RiskTier.SUBSTANDARD), (271, RiskTier.DOUBTFUL)],
    )
    def test_days_past_due_give_the_tier(self, days: int, tier: RiskTier) -> None:
        state = disbursed()
        ledger = state.servicing.ledger  # type: ignore[union-attr]
        first = ledger.lines[0]
        today = first.due_date + timedelta(days=days)
        standing = timers.standing(ledgers.accrue(ledger, today), None, today)
        assert (standing.days_past_due, standing.tier) == (days, tier)
        assert standing.overdue_since == (first.due_date + timedelta(days=1) if days else None)

    def test_a_manual_downgrade_wins_when_more_severe(self) -> None:
        ledger = disbursed().servicing.ledger  # type: ignore[union-attr]
        today = ledger.lines[0].due_date - timedelta(days=3)
        assert timers.standing(ledger, RiskTier.SUBSTANDARD, today).tier is RiskTier.SUBSTANDARD
        assert timers.standing(ledger, None, today).tier is RiskTier.NORMAL

    def test_the_guarantor_is_asked_once_at_the_configured_day(self) -> None:
        state = disbursed()
        servicing = state.servicing
        assert servicing is not None
        servicing.days_past_due = 89
        assert not timers.compensation_due(state)
        servicing.days_past_due = 90
        assert timers.compensation_due(state)
        servicing.compensation_requested_on = date(2027, 3, 1)
        assert not timers.compensation_due(state)
        assert not timers.compensation_due(disbursed(guarantor=None))


class TestWaterfall:
    @pytest.mark.parametrize(
        ("proceeds", "owed", "recourse", "expected"),
        [
            ("800000.00", "3100000.00", "2000000.00", ("800000.00", "0.00", "0.00")),
            ("3500000.00", "1100000.00", "2000000.00", ("1100000.00", "2000000.00", "400000.00")),
            ("1500000.00", "1100000.00", "2000000.00", ("1100000.00", "400000.00", "0.00")),
            ("1000.00", "0.00", "0.00", ("0.00", "0.00", "1000.00")),
        ],
    )
    def test_bank_first_then_the_guarantors_recourse_then_surplus(
        self, proceeds: str, owed: str, recourse: str, expected: tuple[str, str, str]
    ) -> None:
        split = timers.waterfall(D(proceeds), D(owed), D(recourse))
        assert (split.to_bank, split.to_guarantor, split.surplus) == tuple(D(v) for v in expected)


def test_start_of_a_day_is_shanghai_midnight() -> None:
    assert timers.start_of(date(2026, 12, 1)) == datetime(2026, 12, 1, tzinfo=SHANGHAI)
