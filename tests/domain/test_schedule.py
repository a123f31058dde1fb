"""Repayment schedules: hand-computed figures and properties that must always hold."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.enums import RepaymentMode
from services.domain.schedule import build_schedule, interest_for, maturity_date


def test_act_360_example() -> None:
    # ¥5,000,000 × 3.0 % / 360 × 30 days = ¥12,500.00 (domain §4)
    assert interest_for(Decimal("5000000"), Decimal("3.0"), date(2025, 1, 1), date(2025, 1, 31)) == Decimal("12500.00")


def test_monthly_interest_settles_on_the_20th() -> None:
    lines = build_schedule(RepaymentMode.MONTHLY_INTEREST, Decimal("1000000.00"), Decimal("3.45"), date(2026, 3, 5), 12)
    assert [line.due_date.day for line in lines[:-1]] == [20] * 12
    assert lines[0].interest == Decimal("1437.50")  # 15 days counted from 5 March (算头不算尾)
    assert lines[-1].due_date == date(2027, 3, 5)
    assert lines[-1].principal == Decimal("1000000.00")


@settings(max_examples=200, deadline=None)
@given(
    mode=st.sampled_from(list(RepaymentMode)),
    principal=st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("200000000.00"), places=2),
    rate=st.decimals(min_value=Decimal("0.50"), max_value=Decimal("12.00"), places=2),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    term=st.integers(min_value=1, max_value=60),
)
def test_schedules_sum_to_the_principal(
    mode: RepaymentMode, principal: Decimal, rate: Decimal, start: date, term: int
) -> None:
    lines = build_schedule(mode, principal, rate, start, term)
    assert sum((line.principal for line in lines), start=Decimal(0)) == principal
    assert all(line.principal >= 0 and line.interest >= 0 for line in lines)
    assert all(line.principal == line.principal.quantize(Decimal("0.01")) for line in lines)
    assert lines[-1].due_date == maturity_date(start, term)
    assert all(a.due_date < b.due_date for a, b in itertools.pairwise(lines))
    assert lines[0].period_start == start
    assert (
        all(line.due_date - line.period_start <= timedelta(days=93) for line in lines) or mode is RepaymentMode.BULLET
    )
