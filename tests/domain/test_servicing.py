"""Servicing rules: hand-computed penalty and prepayment figures, allocation order, tiers, and properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.enums import DayCount, RepaymentMode, RiskTier
from services.domain.schedule import interest_for
from services.domain.servicing import (
    PaymentRejected,
    accelerate,
    apply_payment,
    days_past_due,
    next_tier_change,
    open_ledger,
    position,
    prepay,
    quote_prepayment,
    settle_with,
    tier_for_days,
)

D = Decimal


def bullet(principal: str = "5000000.00", rate: str = "3.0", start: date = date(2025, 1, 1), months: int = 1):  # type: ignore[no-untyped-def]
    return open_ledger(RepaymentMode.BULLET, D(principal), D(rate), start, months, markup_percent=D(50))


def test_act_365_is_a_product_option() -> None:
    ledger = open_ledger(
        RepaymentMode.BULLET, D("3650000"), D("3.65"), date(2025, 1, 1), 12, markup_percent=D(50),
        day_count=DayCount.ACT_365,
    )  # fmt: skip
    assert ledger.lines[0].interest == D("133225.00")  # 3,650,000 × 3.65 % × 365 / 365


def test_penalty_example_from_the_domain() -> None:
    # ¥5 M principal overdue 30 days at 3.0 % × 1.5 → ¥18,750.00 (domain §4); interest of the line paid on time.
    ledger = bullet()
    due = ledger.lines[0].due_date
    ledger, allocation = apply_payment(ledger, ledger.lines[0].interest, due)
    assert allocation.interest == ledger.lines[0].interest
    assert allocation.principal == 0
    pos = position(ledger, due + timedelta(days=31))
    assert pos.penalty == D("18750.00")
    assert pos.days_past_due == 31  # the 31st day past due; penalty counts the 30 days before it
    assert pos.tier is RiskTier.SPECIAL_MENTION
    assert pos.due_now == D("5018750.00")


def test_unpaid_interest_compounds_at_the_penalty_rate() -> None:
    ledger = open_ledger(
        RepaymentMode.MONTHLY_INTEREST, D("1000000.00"), D("3.6"), date(2025, 1, 1), 12, markup_percent=D(50)
    )
    first = ledger.lines[0]  # 1–20 January: 19 days → 1,000,000 × 3.6 % × 19 / 360 = 1,900.00
    assert first.interest == D("1900.00")
    pos = position(ledger, first.due_date + timedelta(days=11))  # ten days overdue
    # 1,900.00 × 5.4 % × 10 / 360 = 2.85
    assert pos.penalty == D("2.85")
    assert pos.overdue_interest == D("1900.00")
    assert pos.overdue_principal == 0


def test_allocation_order_penalty_interest_principal() -> None:
    ledger = open_ledger(
        RepaymentMode.EQUAL_PRINCIPAL, D("1200000.00"), D("3.6"), date(2025, 1, 5), 12, markup_percent=D(50)
    )
    line = ledger.lines[0]
    late = line.due_date + timedelta(days=11)
    penalty = position(ledger, late).penalty
    assert penalty > 0
    # Pay the penalty, the interest and part of the principal: principal is the one left unpaid.
    amount = penalty + line.interest + D("1000.00")
    after, allocation = apply_payment(ledger, amount, late)
    assert (allocation.penalty, allocation.interest, allocation.principal) == (penalty, line.interest, D("1000.00"))
    assert after.lines[0].unpaid_principal == line.principal - D("1000.00")
    assert after.penalty_unpaid == 0
    # Less than the penalty: only penalty is paid.
    _, small = apply_payment(ledger, D("0.01"), late)
    assert (small.penalty, small.interest, small.principal) == (D("0.01"), D(0), D(0))


def test_paying_more_than_due_plus_the_next_instalment_is_refused() -> None:
    ledger = open_ledger(
        RepaymentMode.EQUAL_INSTALMENT, D("1200000.00"), D("3.6"), date(2025, 1, 5), 12, markup_percent=D(50)
    )
    first = ledger.lines[0]
    after, allocation = apply_payment(ledger, first.unpaid, first.due_date - timedelta(days=2))  # paid ahead
    assert allocation.total == first.unpaid
    assert after.lines[0].settled
    with pytest.raises(PaymentRejected, match="early repayment"):
        apply_payment(ledger, first.unpaid + D("0.01"), first.due_date - timedelta(days=2))


def test_payments_are_taken_in_value_date_order() -> None:
    ledger = bullet(months=12)
    after, _ = apply_payment(ledger, D("100.00"), date(2025, 6, 1))
    with pytest.raises(PaymentRejected, match="value-date order"):
        apply_payment(after, D("100.00"), date(2025, 5, 1))
    with pytest.raises(PaymentRejected, match="before the disbursement"):
        apply_payment(ledger, D("100.00"), date(2024, 12, 31))
    with pytest.raises(PaymentRejected, match="more than zero"):
        apply_payment(ledger, D("0"), date(2025, 6, 1))


@pytest.mark.parametrize(
    ("days", "tier"),
    [
        (0, RiskTier.NORMAL),
        (1, RiskTier.SPECIAL_MENTION),
        (90, RiskTier.SPECIAL_MENTION),
        (91, RiskTier.SUBSTANDARD),
        (270, RiskTier.SUBSTANDARD),
        (271, RiskTier.DOUBTFUL),
        (360, RiskTier.DOUBTFUL),
        (361, RiskTier.LOSS),
    ],
)
def test_five_tiers(days: int, tier: RiskTier) -> None:
    assert tier_for_days(days) is tier


def test_next_tier_change_follows_the_oldest_unpaid_line() -> None:
    ledger = bullet()
    due = ledger.lines[0].due_date
    assert next_tier_change(ledger, due) == due + timedelta(days=1)
    assert next_tier_change(ledger, due + timedelta(days=1)) == due + timedelta(days=91)
    assert days_past_due(ledger, due + timedelta(days=91)) == 91


def test_partial_early_repayment_by_hand() -> None:
    # ¥1,000,000 bullet for 12 months at 3.6 % from 1 January 2025; ¥400,000 repaid early on 11 April (100 days).
    ledger = bullet("1000000.00", "3.6", date(2025, 1, 1), 12)
    quote = quote_prepayment(ledger, date(2025, 4, 11), D("400000.00"))
    assert quote.accrued_interest == D("10000.00")  # 1,000,000 × 3.6 % × 100 / 360
    assert quote.total == D("410000.00")
    assert quote.remaining_principal == D("600000.00")
    assert not quote.full
    after, allocation = prepay(ledger, quote)
    assert allocation.total == D("410000.00")
    line = after.lines[0]
    # the rest of the year on ¥600,000: 265 days × 3.6 % / 360 = 15,900.00
    assert line.interest == D("10000.00") + D("15900.00")
    assert line.principal == D("1000000.00")
    assert line.unpaid_principal == D("600000.00")
    assert position(after, date(2025, 4, 11)).outstanding_principal == D("600000.00")


def test_full_early_repayment_settles_the_loan() -> None:
    ledger = open_ledger(
        RepaymentMode.EQUAL_INSTALMENT, D("360000.00"), D("3.6"), date(2025, 1, 5), 36, markup_percent=D(50)
    )
    for line in ledger.lines[:3]:
        ledger, _ = apply_payment(ledger, line.unpaid, line.due_date)
    quote = quote_prepayment(ledger, date(2025, 4, 15), None)
    assert quote.full
    after, _ = prepay(ledger, quote)
    assert after.repaid
    assert sum(line.principal for line in after.lines) == D("360000.00")
    with pytest.raises(PaymentRejected, match="Nothing is owed"):
        apply_payment(after, D("1.00"), date(2025, 4, 20))


def test_a_stale_quote_is_refused() -> None:
    ledger = bullet("1000000.00", "3.6", date(2025, 1, 1), 12)
    quote = quote_prepayment(ledger, date(2025, 4, 11), D("400000.00"))
    after, _ = prepay(ledger, quote)
    with pytest.raises(PaymentRejected, match="new quote"):
        prepay(after, quote)


def test_acceleration_and_settlement_leave_a_remainder() -> None:
    ledger = open_ledger(
        RepaymentMode.MONTHLY_INTEREST, D("1000000.00"), D("3.6"), date(2025, 1, 1), 12, markup_percent=D(50)
    )
    accelerated = accelerate(ledger, date(2025, 3, 1))
    pos = position(accelerated, date(2025, 3, 1))
    assert pos.outstanding_principal == D("1000000.00")
    assert pos.due_now > D("1000000.00")
    after, allocation, rest = settle_with(accelerated, D("500000.00"), date(2025, 3, 1))
    assert rest == 0
    assert allocation.total == D("500000.00")
    assert not after.repaid


@settings(max_examples=150, deadline=None)
@given(
    mode=st.sampled_from(list(RepaymentMode)),
    principal=st.decimals(min_value=D("10000.00"), max_value=D("50000000.00"), places=2),
    rate=st.decimals(min_value=D("1.00"), max_value=D("8.00"), places=2),
    term=st.integers(min_value=2, max_value=36),
    paid_lines=st.integers(min_value=0, max_value=36),
    fraction=st.decimals(min_value=D("0.01"), max_value=D("1.00"), places=2),
    days_into=st.integers(min_value=0, max_value=27),
    basis=st.sampled_from(list(DayCount)),
)
def test_early_repayment_keeps_the_schedule_whole(
    mode: RepaymentMode,
    principal: Decimal,
    rate: Decimal,
    term: int,
    paid_lines: int,
    fraction: Decimal,
    days_into: int,
    basis: DayCount,
) -> None:
    start = date(2025, 1, 5)
    ledger = open_ledger(mode, principal, rate, start, term, markup_percent=D(30), day_count=basis)
    for line in ledger.lines[: min(paid_lines, len(ledger.lines) - 1)]:
        ledger, _ = apply_payment(ledger, line.unpaid, line.due_date)
    current = next(line for line in ledger.lines if not line.settled)
    value_date = min(current.period_start + timedelta(days=days_into), current.due_date - timedelta(days=1))
    value_date = max(value_date, ledger.accrued_to)
    outstanding = ledger.outstanding_principal
    amount = max(D("0.01"), (outstanding * fraction).quantize(D("0.01")))
    quote = quote_prepayment(ledger, value_date, min(amount, outstanding))
    after, allocation = prepay(ledger, quote)
    assert allocation.total == quote.total
    assert sum(line.principal for line in after.lines) == principal
    assert all(line.principal >= 0 and line.interest >= 0 for line in after.lines)
    assert all(line.unpaid_principal >= 0 and line.unpaid_interest >= 0 for line in after.lines)
    assert after.outstanding_principal == quote.remaining_principal
    # Paying every remaining line on its due date settles the loan with no penalty.
    for line in after.lines:
        if not line.settled:
            after, _ = apply_payment(after, line.unpaid, max(line.due_date, after.accrued_to))
    assert after.repaid
    assert after.penalty_paid == 0


@settings(max_examples=100, deadline=None)
@given(
    mode=st.sampled_from(list(RepaymentMode)),
    principal=st.decimals(min_value=D("10000.00"), max_value=D("50000000.00"), places=2),
    rate=st.decimals(min_value=D("1.00"), max_value=D("8.00"), places=2),
    term=st.integers(min_value=1, max_value=36),
    late=st.integers(min_value=0, max_value=400),
)
def test_penalty_never_negative_and_grows_with_time(
    mode: RepaymentMode, principal: Decimal, rate: Decimal, term: int, late: int
) -> None:
    ledger = open_ledger(mode, principal, rate, date(2025, 1, 5), term, markup_percent=D(40))
    due = ledger.lines[0].due_date
    earlier = position(ledger, due + timedelta(days=late))
    later = position(ledger, due + timedelta(days=late + 30))
    assert 0 <= earlier.penalty <= later.penalty
    assert earlier.tier.rank <= later.tier.rank
    assert interest_for(principal, rate, due, due) == 0
