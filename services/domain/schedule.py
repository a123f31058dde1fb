"""Repayment schedules, generated at disbursement for the loan's repayment mode.

Rules: interest = principal × annual rate × actual days / 360 (ACT/360), counting the start day and not the
end day (算头不算尾); periodic interest settles on the 20th (monthly, or of the last month of each quarter);
amortising modes (等额本息, 等额本金) fall due monthly on the day of the month of disbursement with interest at
annual rate / 12. Every line is rounded half-up to the fen; the last line takes whatever principal remains,
so the principal lines always sum to the principal exactly.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.enums import RepaymentMode
from services.domain.money import to_fen

SETTLEMENT_DAY = 20
DAY_COUNT_BASIS = 360


@dataclass(frozen=True)
class Line:
    seq: int
    period_start: date
    due_date: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def add_months(day: date, months: int) -> date:
    """Same day of the month `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def maturity_date(start: date, term_months: int) -> date:
    return add_months(start, term_months)


def interest_for(
    principal: Decimal, annual_rate_percent: Decimal, start: date, end: date, basis: int = DAY_COUNT_BASIS
) -> Decimal:
    """Interest from `start` (counted) to `end` (not counted), actual days over `basis` (360 or 365), to the fen."""
    days = (end - start).days
    return to_fen(principal * annual_rate_percent / Decimal(100) * days / basis)


def _settlement_dates(start: date, maturity: date, months: tuple[int, ...]) -> list[date]:
    dates = []
    cursor = date(start.year, start.month, SETTLEMENT_DAY)
    if cursor <= start:
        cursor = add_months(cursor, 1)
    while cursor < maturity:
        if cursor.month in months:
            dates.append(cursor)
        cursor = add_months(cursor, 1)
    dates.append(maturity)
    return dates


def _interest_only(principal: Decimal, rate: Decimal, start: date, ends: list[date], basis: int) -> list[Line]:
    lines = []
    period_start = start
    for seq, end in enumerate(ends, start=1):
        lines.append(
            Line(
                seq=seq,
                period_start=period_start,
                due_date=end,
                principal=principal if seq == len(ends) else Decimal("0.00"),
                interest=interest_for(principal, rate, period_start, end, basis),
            )
        )
        period_start = end
    return lines


def _amortising(principal: Decimal, rate: Decimal, start: date, term_months: int, equal_total: bool) -> list[Line]:
    monthly_rate = rate / Decimal(100) / 12
    if equal_total and monthly_rate:
        factor = (1 + monthly_rate) ** term_months
        payment = to_fen(principal * monthly_rate * factor / (factor - 1))
    else:
        payment = to_fen(principal / term_months)
    outstanding = principal
    lines = []
    period_start = start
    for seq in range(1, term_months + 1):
        due = add_months(start, seq)
        interest = to_fen(outstanding * monthly_rate)
        if seq == term_months:
            part = outstanding
        elif equal_total:
            part = min(outstanding, payment - interest)
        else:
            part = min(outstanding, payment)
        lines.append(Line(seq=seq, period_start=period_start, due_date=due, principal=part, interest=interest))
        outstanding -= part
        period_start = due
    return lines


def build_schedule(
    mode: RepaymentMode,
    principal: Decimal,
    annual_rate_percent: Decimal,
    start: date,
    term_months: int,
    basis: int = DAY_COUNT_BASIS,
) -> list[Line]:
    """The repayment schedule of a loan disbursed on `start` (interest-bearing periods on `basis` 360 or 365)."""
    if principal <= 0:
        raise ValueError("the principal must be positive")
    if term_months <= 0:
        raise ValueError("the term must be at least one month")
    maturity = maturity_date(start, term_months)
    if mode is RepaymentMode.MONTHLY_INTEREST:
        return _interest_only(
            principal, annual_rate_percent, start, _settlement_dates(start, maturity, tuple(range(1, 13))), basis
        )
    if mode is RepaymentMode.QUARTERLY_INTEREST:
        return _interest_only(
            principal, annual_rate_percent, start, _settlement_dates(start, maturity, (3, 6, 9, 12)), basis
        )
    if mode is RepaymentMode.BULLET:
        return _interest_only(principal, annual_rate_percent, start, [maturity], basis)
    return _amortising(
        principal, annual_rate_percent, start, term_months, equal_total=mode is RepaymentMode.EQUAL_INSTALMENT
    )
