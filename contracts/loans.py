"""The loan workflow's identity: its name, how it is started (`OpenLoanInput`), its updates and query by name.

Its vocabulary is split by what it is for: contracts/base.py (bases, actors, step errors), loan_steps.py (what a
step sends), loan_state.py (what the workflow keeps), loan_activities.py (what its activities take)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from contracts.base import Model, Recorded
from contracts.enums import (
    District,
)
from contracts.loan_state import LoanConfig, LoanState

LOAN_WORKFLOW_NAME = "LoanLifecycleWorkflow"


class OpenLoanInput(Model):
    """Starts `LoanLifecycleWorkflow` (id `loan-<loan_id>`) for a new case."""

    loan_id: str
    enterprise_id: str
    enterprise_name: str
    district: District
    bank_id: str | None = None
    station_id: str | None = None
    opened: Recorded
    note: str | None = None
    config: LoanConfig = Field(default_factory=LoanConfig)
    resume: LoanState | None = Field(default=None, description="the state carried over by continue-as-new")


class LoanUpdate(StrEnum):
    """Names of the workflow's updates, for callers that may not import the workflow (the API)."""

    OPENED = "opened"

    LOG_VISIT = "log_visit"
    TICK_CHECKLIST = "tick_checklist"
    REVIEW_QUALIFICATION = "review_qualification"
    SUBMIT_APPLICATION = "submit_application"
    SUBMIT_VALUATION = "submit_valuation"
    ACCEPT_VALUATION = "accept_valuation"
    PROPOSE_TERMS = "propose_terms"
    DECIDE_APPROVAL = "decide_approval"
    SIGN_OFF = "sign_off"
    DECLINE_SIGN_OFF = "decline_sign_off"
    FILE_REGISTRATION = "file_registration"
    RECORD_REGISTRATION_OUTCOME = "record_registration_outcome"
    DISBURSE = "disburse"
    WITHDRAW = "withdraw"
    REJECT = "reject"

    RECORD_REPAYMENT = "record_repayment"
    PREPAY = "prepay"
    DOWNGRADE = "downgrade"
    DECLARE_DEFAULT = "declare_default"
    RECORD_COMPENSATION = "record_compensation"
    FILE_RELEASE = "file_release"
    RECORD_RELEASE_OUTCOME = "record_release_outcome"
    RECORD_EXTENSION = "record_extension"
    WRITE_OFF = "write_off"


LOAN_STATE_QUERY = "get_state"
