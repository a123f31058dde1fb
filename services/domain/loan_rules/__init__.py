"""The rules of each loan step: who may take it, in which stage, and what it must respect.

Pure functions over `LoanState`, used twice: by the workflow's update validators (so a wrong step never
reaches history) and by the API to list the actions a caller may take now. A failed check raises
`StepRejected` with a kind the API maps to 403 (not your step) or 409 (wrong stage, rule violation).

A package along the seams a reader looks for, the same as the workflow's (services/workflows/loan/): `access` says
who may take which step when, looking at the loan alone (what the API offers a party comes from it); `origination`
and `servicing` say what a step's content must respect before and after the disbursement; `base` holds what they
share. This module joins them in `check_step`, the one entry point of the validators and handlers, and re-exports
every name callers use, so they import `services.domain.loan_rules` as before. No I/O anywhere: workflow code imports
it (through `imports_passed_through`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from contracts.base import Actor
from contracts.loan_state import LoanState
from contracts.loan_steps import ProposeTermsInput, SubmitApplicationInput
from services.domain.loan_rules.access import (
    OPEN_STAGES,
    actions_of_party,
    available_actions,
    check_allowed,
    extendable_assets,
    same_person,
    state_allows,
)
from services.domain.loan_rules.base import LoanAction, StepRejected
from services.domain.loan_rules.origination import (
    check_accept_valuation,
    check_application,
    check_bullet_term,
    check_disbursement,
    check_filing,
    check_maturity,
    check_outcome,
    check_proposal,
    check_valuation_report,
    maximum_loan,
    rate_percent,
    registration_working_days,
    within_asset_life,
)
from services.domain.loan_rules.servicing import (
    check_compensation,
    check_default,
    check_downgrade,
    check_extension,
    check_prepayment,
    check_release_filing,
    check_release_outcome,
    check_repayment,
)
from services.domain.step_dates import DateRejected, check_dates

__all__ = [
    "CHECKS",
    "OPEN_STAGES",
    "LoanAction",
    "StepRejected",
    "actions_of_party",
    "available_actions",
    "check_accept_valuation",
    "check_allowed",
    "check_application",
    "check_bullet_term",
    "check_compensation",
    "check_default",
    "check_disbursement",
    "check_downgrade",
    "check_extension",
    "check_filing",
    "check_maturity",
    "check_outcome",
    "check_prepayment",
    "check_proposal",
    "check_release_filing",
    "check_release_outcome",
    "check_repayment",
    "check_step",
    "check_valuation_report",
    "extendable_assets",
    "maximum_loan",
    "rate_percent",
    "registration_working_days",
    "same_person",
]

CHECKS: dict[LoanAction, Callable[..., None]] = {
    LoanAction.RECORD_REPAYMENT: check_repayment,
    LoanAction.PREPAY: check_prepayment,
    LoanAction.DOWNGRADE: check_downgrade,
    LoanAction.DECLARE_DEFAULT: check_default,
    LoanAction.RECORD_COMPENSATION: check_compensation,
    LoanAction.FILE_RELEASE: check_release_filing,
    LoanAction.RECORD_RELEASE_OUTCOME: check_release_outcome,
    LoanAction.RECORD_EXTENSION: check_extension,
    LoanAction.SUBMIT_APPLICATION: check_application,
    LoanAction.SUBMIT_VALUATION: check_valuation_report,
    LoanAction.ACCEPT_VALUATION: check_accept_valuation,
    LoanAction.PROPOSE_TERMS: check_proposal,
    LoanAction.FILE_REGISTRATION: check_filing,
    LoanAction.RECORD_REGISTRATION_OUTCOME: check_outcome,
    LoanAction.DISBURSE: check_disbursement,
}


def check_step(
    action: LoanAction,
    actor: Actor,
    state: LoanState,
    data: object,
    today: date,
    *,
    strict: bool = True,
    term_rules: bool = True,
) -> None:
    """Everything a step must satisfy before it may enter the workflow's history (`today` in Shanghai).

    `strict` adds the rules of the patch `stricter-step-rules`: the dates of services.domain.step_dates, four eyes
    on normalised identities, a term within the pledged rights' life at application and proposal. Validators and
    the API always check strictly; a workflow run started before the patch keeps the older rules in its update
    handlers, so that its history replays as it was recorded.

    `term_rules` adds the rules of the patch `term-rules` (issue 13) in the same way: a bullet loan is for 12 months
    at most, and the loan matures a term after its disbursement within every pledged right's life (checked at the
    filing and at the disbursement).
    """
    check_allowed(action, actor, state)
    state_allows(action, actor, state, strict)
    rule = CHECKS.get(action)
    if rule is not None:
        rule(state, data, today)
    if term_rules:
        check_bullet_term(state, data)
        check_maturity(state, data)
    if not strict:
        return
    if isinstance(data, SubmitApplicationInput):
        within_asset_life(data.assets, today, data.requested_term_months, "from today")
    if isinstance(data, ProposeTermsInput) and state.application is not None:
        within_asset_life(state.application.assets, today, data.term_months, "from today")
    try:
        check_dates(action, state, data, today)
    except DateRejected as error:
        raise StepRejected(error.kind, error.message) from None
