"""The servicing ledger of a disbursed loan: schedule lines with what was paid, penalty interest, positions.

Kept in the loan workflow's state and computed by `services.domain.servicing`. Money is Decimal yuan with two
places (fen); dates are Shanghai calendar dates.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from contracts.enums import DayCount, RepaymentMode, RiskTier

ZERO = Decimal("0.00")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LedgerLine(Model):
    """One line of the schedule and what has been paid against it."""

    seq: int
    period_start: date
    due_date: date
    principal: Decimal
    interest: Decimal
    paid_principal: Decimal = ZERO
    paid_interest: Decimal = ZERO

    @property
    def unpaid_principal(self) -> Decimal:
        return self.principal - self.paid_principal

    @property
    def unpaid_interest(self) -> Decimal:
        return self.interest - self.paid_interest

    @property
    def unpaid(self) -> Decimal:
        return self.unpaid_principal + self.unpaid_interest

    @property
    def settled(self) -> bool:
        return self.unpaid == 0


class Ledger(Model):
    """Everything needed to say what a loan owes on any date."""

    mode: RepaymentMode
    day_count: DayCount = DayCount.ACT_360
    principal: Decimal
    rate_percent: Decimal
    penalty_rate_percent: Decimal
    disbursed_on: date
    lines: list[LedgerLine]
    penalty_unpaid: Decimal = ZERO
    penalty_paid: Decimal = ZERO
    accrued_to: date  # penalty interest is accrued for the days before this date

    @property
    def outstanding_principal(self) -> Decimal:
        return sum((line.unpaid_principal for line in self.lines), start=ZERO)

    @property
    def repaid(self) -> bool:
        return all(line.settled for line in self.lines) and self.penalty_unpaid == 0


class Allocation(Model):
    """How one payment was applied: penalty interest first, then interest, then principal."""

    penalty: Decimal = ZERO
    interest: Decimal = ZERO
    principal: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.penalty + self.interest + self.principal


class Position(Model):
    """What the loan owes on `as_of` (penalty interest accrued up to, not including, that day)."""

    as_of: date
    outstanding_principal: Decimal
    overdue_principal: Decimal
    overdue_interest: Decimal
    penalty: Decimal
    due_now: Decimal
    days_past_due: int
    tier: RiskTier
    next_due_date: date | None = None
    next_due_amount: Decimal = ZERO


class PrepaymentQuote(Model):
    """What an early repayment on `value_date` costs; `full` settles the loan."""

    value_date: date
    full: bool
    overdue: Allocation
    accrued_interest: Decimal
    principal: Decimal
    total: Decimal
    remaining_principal: Decimal
