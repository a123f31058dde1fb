"""The dates a clerk enters with a step, checked against the loan and today (Shanghai).

A date that records something that happened (a visit, a filing, the pledge taking effect, a disbursement, a
payment, a default, a release) is:
- not in the future;
- not before the step it depends on: the case opened ≤ a visit; the approval ≤ the registration filed ≤ the pledge
  taking effect ≤ the disbursement (≤ the first due date, which the schedule puts after it) ≤ every payment and a
  default; the last payment ≤ the release filed ≤ the release;
- not more than `LoanConfig.backdating_days` (30 by default) before today. Clerks record steps after the fact —
  the registration notice or the bank's receipt reaches them days, sometimes weeks, later — and a month covers
  that; a date further back is a typing error far more often than a late record (a filing dated 2001 once made a
  new loan 9,445 days past due). The bound is per loan, set when the case opens (`PLEDGEFLOW_BACKDATING_DAYS`).

A planned date comes after the event it follows (the next visit after the visit, a trademark pledge's end after it
takes effect, an extension after the current end), within a year for the next visit and within the asset's life
for a pledge. A valuation report is valid for at most `LoanConfig.valuation_validity_months` (12: "usually one
year", domain §2) from its base date, and must still be valid when it is submitted.

Every message names the date, the bound and why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from contracts.base import STEP_RULE_VIOLATION
from contracts.loan_state import LoanState
from contracts.loan_steps import (
    DeclareDefaultInput,
    DisburseLoanInput,
    FileRegistrationInput,
    FileReleaseInput,
    LogVisitInput,
    PrepayLoanInput,
    RecordCompensationInput,
    RecordExtensionInput,
    RecordRegistrationOutcomeInput,
    RecordReleaseOutcomeInput,
    RecordRepaymentInput,
    SubmitValuationInput,
)
from contracts.loans import LoanUpdate
from services.domain.calendar import shanghai_date
from services.domain.schedule import add_months

NEXT_VISIT_HORIZON_DAYS = 366


class DateRejected(Exception):
    """A date that cannot be right; `kind` is STEP_RULE_VIOLATION (409)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.kind = STEP_RULE_VIOLATION
        self.message = message


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise DateRejected(message)


def happened(day: date, what: str, today: date, backdating_days: int, *, after: tuple[date, str] | None = None) -> None:
    """`day` records something that happened: not in the future, not before `after` (the date and what it was),
    not more than `backdating_days` ago."""
    _check(day <= today, f"the {what} {day} is in the future (today is {today})")
    if after is not None:
        bound, why = after
        _check(day >= bound, f"the {what} {day} is before {why} on {bound}")
    earliest = today - timedelta(days=backdating_days)
    _check(
        day >= earliest,
        f"the {what} {day} is more than {backdating_days} days ago (earliest {earliest}): a step is recorded within "
        f"{backdating_days} days of when it happened",
    )


def _opened(state: LoanState) -> tuple[date, str]:
    return shanghai_date(state.opened.at), "the case was opened"


def _visit(state: LoanState, data: LogVisitInput, today: date) -> None:
    happened(data.visited_on, "visit date", today, state.config.backdating_days, after=_opened(state))
    if data.next_visit_on is not None:
        _check(
            data.next_visit_on > data.visited_on,
            f"the next visit {data.next_visit_on} must come after this visit on {data.visited_on}",
        )
        horizon = data.visited_on + timedelta(days=NEXT_VISIT_HORIZON_DAYS)
        _check(data.next_visit_on <= horizon, f"the next visit {data.next_visit_on} is more than a year away")


def _valuation(state: LoanState, data: SubmitValuationInput, today: date) -> None:
    _check(data.base_date <= today, f"the report's base date {data.base_date} is in the future (today is {today})")
    months = state.config.valuation_validity_months
    longest = add_months(data.base_date, months)
    _check(
        data.valid_until > data.base_date,
        f"the report's validity ({data.valid_until}) must end after its base date {data.base_date}",
    )
    _check(
        data.valid_until <= longest,
        f"the report is valid until {data.valid_until}, more than {months} months after its base date "
        f"{data.base_date} (at most {longest})",
    )
    _check(data.valid_until >= today, f"the report expired on {data.valid_until}; a current report is needed")


def _approved(state: LoanState) -> tuple[date, str] | None:
    if state.decision is None:
        return None
    return shanghai_date(state.decision.at), "the terms were approved"


def _filing(state: LoanState, data: FileRegistrationInput, today: date) -> None:
    happened(data.filed_on, "filing date", today, state.config.backdating_days, after=_approved(state))


def _outcome(state: LoanState, data: RecordRegistrationOutcomeInput, today: date) -> None:
    filing = state.filings.get(data.asset_id)
    if not data.registered or data.effective_date is None or filing is None:
        return
    happened(
        data.effective_date,
        "effective date",
        today,
        state.config.backdating_days,
        after=(filing.filed_on, "the registration was filed"),
    )
    if data.pledge_end_date is not None:
        _check(
            data.pledge_end_date > data.effective_date,
            f"the pledge's end date {data.pledge_end_date} must come after it takes effect on {data.effective_date}",
        )
        expiry = _expiry(state, data.asset_id)
        _check(
            expiry is None or data.pledge_end_date <= expiry,
            f"the pledge's end date {data.pledge_end_date} is after the right itself expires on {expiry}",
        )


def _expiry(state: LoanState, asset_id: str) -> date | None:
    if state.application is None:
        return None
    return next((a.expiry_date for a in state.application.assets if a.id == asset_id), None)


def _disbursement(state: LoanState, data: DisburseLoanInput, today: date) -> None:
    effective = [f.effective_date for f in state.filings.values() if f.effective_date is not None]
    after = (max(effective), "the pledge took effect") if effective else None
    happened(data.disbursed_on, "disbursement date", today, state.config.backdating_days, after=after)


def _disbursed(state: LoanState) -> tuple[date, str] | None:
    if state.disbursement is None:
        return None
    return state.disbursement.disbursed_on, "the loan was disbursed"


def _payment(
    state: LoanState, data: RecordRepaymentInput | PrepayLoanInput | RecordCompensationInput, today: date
) -> None:
    happened(data.value_date, "value date", today, state.config.backdating_days, after=_disbursed(state))


def _default(state: LoanState, data: DeclareDefaultInput, today: date) -> None:
    happened(data.declared_on, "default date", today, state.config.backdating_days, after=_disbursed(state))


def _release_filing(state: LoanState, data: FileReleaseInput, today: date) -> None:
    after = _disbursed(state)
    if state.servicing is not None and state.servicing.payments:
        last = max(p.value_date for p in state.servicing.payments)
        after = (last, "the last payment")
    happened(data.filed_on, "filing date", today, state.config.backdating_days, after=after)


def _release(state: LoanState, data: RecordReleaseOutcomeInput, today: date) -> None:
    release = state.servicing.releases.get(data.asset_id) if state.servicing else None
    if not data.released or data.release_date is None or release is None:
        return
    happened(
        data.release_date,
        "release date",
        today,
        state.config.backdating_days,
        after=(release.filed_on, "the release was filed"),
    )


def _extension(state: LoanState, data: RecordExtensionInput, today: date) -> None:  # noqa: ARG001  every entry of DATE_CHECKS takes (state, data, today)
    expiry = _expiry(state, data.asset_id)
    _check(
        expiry is None or data.new_end_date <= expiry,
        f"the new end date {data.new_end_date} is after the right itself expires on {expiry}",
    )


DATE_CHECKS: dict[LoanUpdate, Callable[..., None]] = {
    LoanUpdate.LOG_VISIT: _visit,
    LoanUpdate.SUBMIT_VALUATION: _valuation,
    LoanUpdate.FILE_REGISTRATION: _filing,
    LoanUpdate.RECORD_REGISTRATION_OUTCOME: _outcome,
    LoanUpdate.DISBURSE: _disbursement,
    LoanUpdate.RECORD_REPAYMENT: _payment,
    LoanUpdate.PREPAY: _payment,
    LoanUpdate.RECORD_COMPENSATION: _payment,
    LoanUpdate.DECLARE_DEFAULT: _default,
    LoanUpdate.FILE_RELEASE: _release_filing,
    LoanUpdate.RECORD_RELEASE_OUTCOME: _release,
    LoanUpdate.RECORD_EXTENSION: _extension,
}


def check_dates(action: LoanUpdate, state: LoanState, data: object, today: date) -> None:
    """Raise DateRejected when a date of the step cannot be right (see the module docstring)."""
    check = DATE_CHECKS.get(action)
    if check is not None:
        check(state, data, today)
