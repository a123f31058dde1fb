"""Servicing a disbursed loan: what is due, payments, penalty interest, early repayment, classification.

Pure functions on `contracts.servicing.Ledger` (each returns a new ledger; the input is never changed).

Rules (domain §4), stated once here:
- A line falls due on its due date and is paid on time if paid on that date; from the next day it is overdue.
- Penalty interest (罚息) runs on overdue principal and on overdue unpaid interest (复利, 银发〔2003〕251号), at the
  contract rate plus a markup of 30–50 %, actual days over the product's basis (360 by default). It is accrued in
  segments between events (a line falling overdue, a payment); each segment is rounded half-up to the fen.
  Example: ¥5,000,000 overdue 30 days at 3.0 % × 1.5 → ¥18,750.00.
- A payment is applied in this order: penalty interest; then interest of the lines due by its value date, oldest
  first; then their principal, oldest first; then the next instalment not yet due (interest, then principal),
  paid ahead. More than that is refused: paying principal ahead of schedule is an early repayment.
- Early repayment on a value date pays, in one amount: everything due (as above), the interest accrued on the
  outstanding principal from the current period's start to the value date (算头不算尾), and the principal
  repaid early. What remains is recomputed: the current line's interest becomes what accrued before the value
  date plus interest on the new principal from the value date to its due date (interest of that line paid
  ahead beyond this is kept, not refunded); for 按月/按季付息 and 一次性
  the later lines bear interest on the new principal; for 等额本息/等额本金 the new principal is re-amortised
  over the remaining lines (same due dates, lower instalments). Principal lines always sum to the principal.
- Default (declared by the bank, or a guarantor's compensation) accelerates the loan (加速到期): all outstanding
  principal and the interest accrued to that day fall due on it.
- Days past due count from the oldest line not paid in full; the five tiers: 正常 0, 关注 1–90, 次级 > 90,
  可疑 > 270, 损失 > 360 days. A manual downgrade can only raise the tier.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from contracts.enums import DayCount, RepaymentMode, RiskTier
from contracts.servicing import ZERO, Allocation, Ledger, LedgerLine, Position, PrepaymentQuote
from services.domain.money import to_fen
from services.domain.schedule import build_schedule, interest_for

TIER_THRESHOLDS: tuple[tuple[int, RiskTier], ...] = (
    (361, RiskTier.LOSS),
    (271, RiskTier.DOUBTFUL),
    (91, RiskTier.SUBSTANDARD),
    (1, RiskTier.SPECIAL_MENTION),
)


class PaymentRejected(ValueError):
    """A payment or early repayment that the ledger cannot take; the message says why, for a bank clerk."""


def penalty_rate(rate_percent: Decimal, markup_percent: Decimal) -> Decimal:
    """The penalty rate: the contract rate raised by `markup_percent` (30–50 %)."""
    return rate_percent * (Decimal(100) + markup_percent) / Decimal(100)


def open_ledger(
    mode: RepaymentMode,
    principal: Decimal,
    rate_percent: Decimal,
    disbursed_on: date,
    term_months: int,
    *,
    markup_percent: Decimal,
    day_count: DayCount = DayCount.ACT_360,
) -> Ledger:
    lines = build_schedule(mode, principal, rate_percent, disbursed_on, term_months, day_count.basis)
    return Ledger(
        mode=mode,
        day_count=day_count,
        principal=principal,
        rate_percent=rate_percent,
        penalty_rate_percent=penalty_rate(rate_percent, markup_percent),
        disbursed_on=disbursed_on,
        lines=[
            LedgerLine(
                seq=line.seq,
                period_start=line.period_start,
                due_date=line.due_date,
                principal=line.principal,
                interest=line.interest,
            )
            for line in lines
        ],
        accrued_to=disbursed_on,
    )


def tier_for_days(days_past_due: int) -> RiskTier:
    for threshold, tier in TIER_THRESHOLDS:
        if days_past_due >= threshold:
            return tier
    return RiskTier.NORMAL


def _overdue_base(ledger: Ledger, day: date) -> Decimal:
    """What bears penalty interest on `day`: unpaid principal and interest of lines due before it."""
    return sum((line.unpaid for line in ledger.lines if line.due_date < day), start=ZERO)


def accrue(ledger: Ledger, to: date) -> Ledger:
    """Accrue penalty interest for the days from `ledger.accrued_to` up to (not including) `to`."""
    result = ledger.model_copy(deep=True)
    if to <= ledger.accrued_to:
        return result
    basis = Decimal(ledger.day_count.basis)
    day = ledger.accrued_to
    breaks = sorted({line.due_date + timedelta(days=1) for line in ledger.lines})
    while day < to:
        following = min([b for b in breaks if b > day] + [to])
        base = _overdue_base(result, day)
        if base > 0:
            days = (following - day).days
            result.penalty_unpaid += to_fen(base * result.penalty_rate_percent / Decimal(100) * days / basis)
        day = following
    result.accrued_to = to
    return result


def days_past_due(ledger: Ledger, as_of: date) -> int:
    overdue = [line.due_date for line in ledger.lines if line.due_date < as_of and not line.settled]
    return (as_of - min(overdue)).days if overdue else 0


def next_tier_change(ledger: Ledger, after: date) -> date | None:
    """The first date after `after` on which the days past due reach another tier (if nothing is paid)."""
    overdue = [line.due_date for line in ledger.lines if not line.settled]
    if not overdue:
        return None
    oldest = min(overdue)
    candidates = [oldest + timedelta(days=threshold) for threshold, _ in TIER_THRESHOLDS]
    later = [d for d in candidates if d > after]
    return min(later) if later else None


def position(ledger: Ledger, as_of: date) -> Position:
    accrued = accrue(ledger, as_of)
    overdue = [line for line in accrued.lines if line.due_date < as_of]
    due = [line for line in accrued.lines if line.due_date <= as_of]
    upcoming = [line for line in accrued.lines if line.due_date > as_of and not line.settled]
    dpd = days_past_due(accrued, as_of)
    return Position(
        as_of=as_of,
        outstanding_principal=accrued.outstanding_principal,
        overdue_principal=sum((line.unpaid_principal for line in overdue), start=ZERO),
        overdue_interest=sum((line.unpaid_interest for line in overdue), start=ZERO),
        penalty=accrued.penalty_unpaid,
        due_now=accrued.penalty_unpaid + sum((line.unpaid for line in due), start=ZERO),
        days_past_due=dpd,
        tier=tier_for_days(dpd),
        next_due_date=upcoming[0].due_date if upcoming else None,
        next_due_amount=upcoming[0].unpaid if upcoming else ZERO,
    )


def _check_value_date(ledger: Ledger, value_date: date) -> None:
    if value_date < ledger.disbursed_on:
        raise PaymentRejected(f"The value date {value_date} is before the disbursement on {ledger.disbursed_on}.")
    if value_date < ledger.accrued_to:
        raise PaymentRejected(
            f"The value date {value_date} is before the last recorded payment or event ({ledger.accrued_to}); "
            "payments are recorded in value-date order."
        )


def _pay_due(ledger: Ledger, amount: Decimal, value_date: date, allocation: Allocation) -> Decimal:
    """Apply `amount` to penalty, then interest, then principal of lines due by `value_date`; return the rest."""
    paid = min(amount, ledger.penalty_unpaid)
    ledger.penalty_unpaid -= paid
    ledger.penalty_paid += paid
    allocation.penalty += paid
    amount -= paid
    due = [line for line in ledger.lines if line.due_date <= value_date]
    for line in due:
        part = min(amount, line.unpaid_interest)
        line.paid_interest += part
        allocation.interest += part
        amount -= part
    for line in due:
        part = min(amount, line.unpaid_principal)
        line.paid_principal += part
        allocation.principal += part
        amount -= part
    return amount


def apply_payment(ledger: Ledger, amount: Decimal, value_date: date) -> tuple[Ledger, Allocation]:
    """Record a repayment of `amount` on `value_date`: penalty, interest, principal, then the next instalment."""
    if amount <= 0:
        raise PaymentRejected("The amount must be more than zero.")
    _check_value_date(ledger, value_date)
    result = accrue(ledger, value_date)
    if result.repaid:
        raise PaymentRejected("Nothing is owed on this loan any more.")
    allocation = Allocation()
    rest = _pay_due(result, amount, value_date, allocation)
    upcoming = next((line for line in result.lines if line.due_date > value_date and not line.settled), None)
    if rest > 0 and upcoming is not None:
        part = min(rest, upcoming.unpaid_interest)
        upcoming.paid_interest += part
        allocation.interest += part
        rest -= part
        part = min(rest, upcoming.unpaid_principal)
        upcoming.paid_principal += part
        allocation.principal += part
        rest -= part
    if rest > 0:
        limit = amount - rest
        raise PaymentRejected(
            f"¥{amount:,.2f} is more than is due on {value_date} with the next instalment (¥{limit:,.2f}); "
            "to repay principal ahead of schedule, use an early repayment."
        )
    return result, allocation


def _current_index(ledger: Ledger, value_date: date) -> int | None:
    for index, line in enumerate(ledger.lines):
        if line.due_date > value_date:
            return index
    return None


def quote_prepayment(ledger: Ledger, value_date: date, principal: Decimal | None) -> PrepaymentQuote:
    """What repaying `principal` early (None: everything) on `value_date` costs. Changes nothing."""
    _check_value_date(ledger, value_date)
    accrued = accrue(ledger, value_date)
    index = _current_index(accrued, value_date)
    if index is None:
        raise PaymentRejected("Every line of this loan has fallen due; record a repayment instead.")
    due = [line for line in accrued.lines if line.due_date <= value_date]
    overdue = Allocation(
        penalty=accrued.penalty_unpaid,
        interest=sum((line.unpaid_interest for line in due), start=ZERO),
        principal=sum((line.unpaid_principal for line in due), start=ZERO),
    )
    remaining = accrued.lines[index:]
    outstanding = sum((line.unpaid_principal for line in remaining), start=ZERO)
    current = accrued.lines[index]
    basis = accrued.day_count.basis
    accrued_interest = max(
        ZERO,
        interest_for(outstanding, accrued.rate_percent, current.period_start, value_date, basis)
        - current.paid_interest,
    )
    if principal is None:
        principal = outstanding
    if principal <= 0:
        raise PaymentRejected("The principal to repay early must be more than zero.")
    if principal > outstanding:
        raise PaymentRejected(
            f"¥{principal:,.2f} is more than the outstanding principal not yet due (¥{outstanding:,.2f})."
        )
    return PrepaymentQuote(
        value_date=value_date,
        full=principal == outstanding,
        overdue=overdue,
        accrued_interest=accrued_interest,
        principal=principal,
        total=overdue.total + accrued_interest + principal,
        remaining_principal=outstanding - principal,
    )


def _annuity(principal: Decimal, monthly_rate: Decimal, count: int) -> Decimal:
    if monthly_rate == 0:
        return to_fen(principal / count)
    factor = (1 + monthly_rate) ** count
    return to_fen(principal * monthly_rate * factor / (factor - 1))


def prepay(ledger: Ledger, quote: PrepaymentQuote) -> tuple[Ledger, Allocation]:
    """Execute an early repayment as quoted; the remaining lines are recomputed (see the module's rules)."""
    fresh = quote_prepayment(ledger, quote.value_date, quote.principal)
    if fresh != quote:
        raise PaymentRejected("The quote no longer matches the loan; ask for a new quote.")
    value_date = quote.value_date
    result = accrue(ledger, value_date)
    allocation = Allocation()
    rest = _pay_due(result, quote.overdue.total, value_date, allocation)
    assert rest == 0
    index = _current_index(result, value_date)
    assert index is not None
    basis = result.day_count.basis
    remaining = result.lines[index:]
    current = remaining[0]
    new_principal = quote.remaining_principal
    # The current line: interest accrued on the old principal before the value date (paid now, unless it was paid
    # ahead) plus interest on what remains from the value date. Interest already paid ahead beyond that is kept.
    accrued_old = interest_for(
        quote.remaining_principal + quote.principal, result.rate_percent, current.period_start, value_date, basis
    )
    current.paid_interest += quote.accrued_interest
    allocation.interest += quote.accrued_interest
    current.interest = max(
        current.paid_interest,
        accrued_old + interest_for(new_principal, result.rate_percent, value_date, current.due_date, basis),
    )
    # Principal already paid on the remaining lines stays on them; the early repayment goes on the current line.
    paid_ahead = [line.paid_principal for line in remaining]
    current.paid_principal += quote.principal
    allocation.principal += quote.principal
    shares = _spread(result, remaining, new_principal, value_date)
    for line, share, ahead in zip(remaining, shares, paid_ahead, strict=True):
        line.principal = (line.paid_principal if line is current else ahead) + share
    return result, allocation


def _spread(ledger: Ledger, remaining: list[LedgerLine], principal: Decimal, value_date: date) -> list[Decimal]:
    """How the principal still owed is spread over the remaining lines; later lines' interest is reset too."""
    count = len(remaining)
    shares = [ZERO] * count
    basis = ledger.day_count.basis
    if principal == 0:
        for line in remaining[1:]:
            line.interest = line.paid_interest
        return shares
    if ledger.mode in (RepaymentMode.MONTHLY_INTEREST, RepaymentMode.QUARTERLY_INTEREST, RepaymentMode.BULLET):
        shares[-1] = principal
        for line in remaining[1:]:
            line.interest = interest_for(principal, ledger.rate_percent, line.period_start, line.due_date, basis)
        return shares
    monthly_rate = ledger.rate_percent / Decimal(100) / 12
    equal_total = ledger.mode is RepaymentMode.EQUAL_INSTALMENT
    payment = _annuity(principal, monthly_rate, count) if equal_total else to_fen(principal / count)
    outstanding = principal
    for position_index, line in enumerate(remaining):
        interest = (
            interest_for(principal, ledger.rate_percent, value_date, line.due_date, basis)
            if position_index == 0
            else to_fen(outstanding * monthly_rate)
        )
        if position_index > 0:
            line.interest = interest
        if position_index == count - 1:
            part = outstanding
        elif equal_total:
            part = max(ZERO, min(outstanding, payment - interest))
        else:
            part = min(outstanding, payment)
        shares[position_index] = part
        outstanding -= part
    return shares


def accelerate(ledger: Ledger, on: date) -> Ledger:
    """Default (加速到期): everything outstanding, and interest accrued to `on`, falls due on `on`."""
    _check_value_date(ledger, on)
    result = accrue(ledger, on)
    index = _current_index(result, on)
    if index is None:
        return result
    remaining = result.lines[index:]
    current = remaining[0]
    outstanding = sum((line.unpaid_principal for line in remaining), start=ZERO)
    current.interest = max(
        current.paid_interest,
        interest_for(outstanding, result.rate_percent, current.period_start, on, result.day_count.basis),
    )
    current.principal = current.paid_principal + outstanding
    current.due_date = on
    for line in remaining[1:]:
        line.principal = line.paid_principal
        line.interest = line.paid_interest
        line.period_start = on
        line.due_date = on
    return result


def total_owed(ledger: Ledger, as_of: date) -> Decimal:
    """Everything still owed on `as_of`: penalty, all unpaid interest scheduled, all unpaid principal."""
    accrued = accrue(ledger, as_of)
    return accrued.penalty_unpaid + sum((line.unpaid for line in accrued.lines), start=ZERO)


def settle_with(ledger: Ledger, amount: Decimal, value_date: date) -> tuple[Ledger, Allocation, Decimal]:
    """Apply a compensation or disposal proceeds to an accelerated loan; returns what was left over."""
    if amount <= 0:
        raise PaymentRejected("The amount must be more than zero.")
    _check_value_date(ledger, value_date)
    result = accrue(ledger, value_date)
    allocation = Allocation()
    rest = _pay_due(result, amount, value_date, allocation)
    return result, allocation, rest
