"""The loan lifecycle's vocabulary: workflow input, update inputs, the state the workflow keeps, step errors.

Every update input carries the `actor` (who acts, from their token) and the `request_id`; the workflow records
both with the step. Money is Decimal yuan with two places; dates are Shanghai calendar dates.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.enums import (
    Authority,
    ChecklistItem,
    CreditSupport,
    DayCount,
    DisposalMethod,
    District,
    FilingChannel,
    IPKind,
    LegalStatus,
    RepaymentMode,
    RiskTier,
    Role,
    Stage,
    ValuationMethod,
)
from contracts.servicing import ZERO, Allocation, Ledger
from contracts.types import MAX_LIST, Flag, Id, Money, NonNegativeMoney, Note, ShortText, Text

__all__ = ["Money", "NonNegativeMoney", "ShortText", "Text"]  # re-exported: older imports name them here


LOAN_WORKFLOW_NAME = "LoanLifecycleWorkflow"

# Types of the ApplicationError a rejected step raises; the API maps each to an HTTP status.
STEP_WRONG_STAGE = "StepWrongStage"  # 409: not now, the loan is in another stage
STEP_NOT_YOUR_STEP = "StepNotYourStep"  # 403: wrong role or not this loan's party for this step
STEP_RULE_VIOLATION = "StepRuleViolation"  # 409: the step breaks a lending rule (amount above the maximum, ...)
STEP_ERROR_TYPES = (STEP_WRONG_STAGE, STEP_NOT_YOUR_STEP, STEP_RULE_VIOLATION)
# A step whose write failed for good; the loan is as before it. Final: the database refused its data (422).
STEP_NOT_SAVED = "StepNotSaved"
# Transient: the database stayed away past the write's time bound (503; the same request may be sent again).
STEP_NOT_SAVED_RETRY = "StepNotSavedRetry"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Actor(_Model):
    """Who takes a step: the claims of their token."""

    sub: str
    role: Role
    org_id: str
    district: District | None = None


class Recorded(_Model):
    """Who did something and when (Shanghai time is derived for display; stored in UTC)."""

    by: Actor
    at: datetime
    request_id: str | None = None


class AssetSnapshot(_Model):
    """What the loan knows of a pledged IP asset, copied from the register when the application is made."""

    id: str
    kind: IPKind
    number: str
    title: str
    owner_enterprise_id: str
    co_owners: list[str] = Field(default_factory=list)
    expiry_date: date
    legal_status: LegalStatus
    fees_paid: bool


class ProductTerms(_Model):
    """A bank's loan product as it stood when the application was made."""

    id: str
    bank_id: str
    name: str
    pledge_rates: dict[IPKind, Decimal]
    min_term_months: int
    max_term_months: int
    min_spread_bp: int
    max_spread_bp: int
    repayment_modes: list[RepaymentMode]
    requires_guarantor: bool = False
    requires_insurer: bool = False
    day_count: DayCount = DayCount.ACT_360


class LoanConfig(_Model):
    """Per-loan settings fixed when the case is opened."""

    reminder_working_days: int = Field(default=5, ge=1, le=60)
    registration_working_days: dict[str, int] = Field(
        default_factory=lambda: {
            "patent_online": 2,
            "patent_paper": 5,
            "trademark_online": 2,
            "trademark_paper": 2,
            "copyright_online": 10,
            "copyright_paper": 10,
        }
    )
    penalty_markup_percent: Decimal = Field(default=Decimal(50), ge=30, le=50)
    due_reminder_days: int = Field(default=5, ge=0, le=60, description="calendar days before a due date")
    compensation_days: int = Field(default=90, ge=1, le=720, description="days past due before the guarantor is asked")
    extension_reminder_days: int = Field(default=30, ge=1, le=365)
    history_limit: int = Field(
        default=5000, ge=100, le=40000, description="history events before the workflow continues as new"
    )
    backdating_days: int = Field(
        default=30, ge=0, le=366, description="how long after it happened a step may be recorded (its date)"
    )
    valuation_validity_months: int = Field(
        default=12, ge=1, le=36, description="longest validity of a valuation report from its base date"
    )
    persist_give_up_seconds: int = Field(
        default=600, ge=1, le=86400, description="how long a step's write is retried before the step fails cleanly"
    )


class OpenLoanInput(_Model):
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


# ---- update inputs -------------------------------------------------------------------------------------------


class StepInput(_Model):
    actor: Actor
    request_id: str | None = None


class LogVisitRequest(_Model):
    visited_on: date
    people: list[ShortText] = Field(min_length=1, max_length=MAX_LIST)
    place: ShortText
    outcome: Text
    next_action: Text | None = None
    next_visit_on: date | None = None


class LogVisitInput(StepInput, LogVisitRequest):
    """LogVisitRequest as the workflow receives it, with the actor."""


class TickChecklistRequest(_Model):
    item: ChecklistItem
    note: Note | None = None


class TickChecklistInput(StepInput, TickChecklistRequest):
    """TickChecklistRequest as the workflow receives it, with the actor."""


class QualificationReviewRequest(_Model):
    """The checks of the guideline §三(一): 资质审查."""

    registered_in_district: Flag
    taxpaying_in_district: Flag
    independent_legal_person: Flag
    owns_ip: Flag
    ip_valid_and_fees_paid: Flag
    notes: Note | None = None

    @property
    def passed(self) -> bool:
        return all(
            (
                self.registered_in_district,
                self.taxpaying_in_district,
                self.independent_legal_person,
                self.owns_ip,
                self.ip_valid_and_fees_paid,
            )
        )


class QualificationReviewInput(StepInput, QualificationReviewRequest):
    """QualificationReviewRequest as the workflow receives it, with the actor."""


class SubmitApplicationInput(StepInput):
    bank_id: Id
    product: ProductTerms
    requested_amount: Money
    requested_term_months: int = Field(ge=1, le=120)
    assets: list[AssetSnapshot] = Field(min_length=1, max_length=MAX_LIST)
    valuer_id: Id | None = Field(default=None, description="Appraisal agency; none means the bank values in-house.")


class SubmitValuationRequest(_Model):
    asset_id: Id
    method: ValuationMethod
    value: Money
    base_date: date
    valid_until: date
    report_number: ShortText
    agency: ShortText
    fee: NonNegativeMoney = Decimal("0.00")


class SubmitValuationInput(StepInput, SubmitValuationRequest):
    """SubmitValuationRequest as the workflow receives it, with the actor."""


class AcceptValuationRequest(_Model):
    note: Note | None = None


class AcceptValuationInput(StepInput, AcceptValuationRequest):
    """AcceptValuationRequest as the workflow receives it, with the actor."""


class ProposeTermsInput(StepInput):
    amount: Money
    lpr_percent: Decimal = Field(gt=0, max_digits=6, decimal_places=4)
    lpr_date: date
    spread_bp: int = Field(ge=-500, le=2000)
    term_months: int = Field(ge=1, le=120)
    repayment_mode: RepaymentMode
    credit_support: list[CreditSupport] = Field(default_factory=list, max_length=len(CreditSupport))
    guarantor_id: Id | None = None
    insurer_id: Id | None = None


class DecideApprovalRequest(_Model):
    approve: Flag
    reason: Text


class DecideApprovalInput(StepInput, DecideApprovalRequest):
    """DecideApprovalRequest as the workflow receives it, with the actor."""


class SignOffRequest(_Model):
    contract_number: ShortText
    fee: NonNegativeMoney


class SignOffInput(StepInput, SignOffRequest):
    """SignOffRequest as the workflow receives it, with the actor."""


class DeclineSignOffRequest(_Model):
    reason: Text


class DeclineSignOffInput(StepInput, DeclineSignOffRequest):
    """DeclineSignOffRequest as the workflow receives it, with the actor."""


class FileRegistrationRequest(_Model):
    asset_id: Id
    channel: FilingChannel
    filed_on: date
    co_owner_consents: list[ShortText] = Field(default_factory=list, max_length=MAX_LIST)  # co-owners by name


class FileRegistrationInput(StepInput, FileRegistrationRequest):
    """FileRegistrationRequest as the workflow receives it, with the actor."""


class RegistrationOutcomeRequest(_Model):
    asset_id: Id
    registered: Flag
    registration_number: ShortText | None = None
    effective_date: date | None = None
    refusal_reason: Text | None = None
    pledge_end_date: date | None = Field(
        default=None, description="trademark pledges: the end of the registration period (质权登记期限)"
    )


class RegistrationOutcomeInput(StepInput, RegistrationOutcomeRequest):
    """RegistrationOutcomeRequest as the workflow receives it, with the actor."""


class DisburseRequest(_Model):
    contract_number: ShortText
    amount: Money
    disbursed_on: date
    voucher: ShortText


class DisburseInput(StepInput, DisburseRequest):
    """DisburseRequest as the workflow receives it, with the actor."""


class CloseCaseRequest(_Model):
    reason: Text


# ---- the state the workflow keeps ---------------------------------------------------------------------------


class CloseCaseInput(StepInput, CloseCaseRequest):
    """CloseCaseRequest as the workflow receives it, with the actor."""


class RepaymentRequest(_Model):
    amount: Money
    value_date: date
    reference: ShortText


class RepaymentInput(StepInput, RepaymentRequest):
    pass


class PrepaymentRequest(_Model):
    value_date: date
    principal: Money | None = Field(default=None, description="principal to repay early; none repays everything")
    expected_total: Money = Field(description="the total of the quote the bank accepted; refused if it changed")
    reference: ShortText


class PrepaymentInput(StepInput, PrepaymentRequest):
    pass


class DowngradeRequest(_Model):
    tier: RiskTier
    reason: Text


class DowngradeInput(StepInput, DowngradeRequest):
    pass


class DeclareDefaultRequest(_Model):
    declared_on: date
    reason: Text


class DeclareDefaultInput(StepInput, DeclareDefaultRequest):
    pass


class CompensationRequest(_Model):
    amount: Money
    value_date: date
    reference: ShortText


class CompensationInput(StepInput, CompensationRequest):
    pass


class FileReleaseRequest(_Model):
    asset_id: Id
    channel: FilingChannel
    filed_on: date


class FileReleaseInput(StepInput, FileReleaseRequest):
    pass


class ReleaseOutcomeRequest(_Model):
    asset_id: Id
    released: Flag
    release_date: date | None = None
    notice_number: ShortText | None = None
    refusal_reason: Text | None = None


class ReleaseOutcomeInput(StepInput, ReleaseOutcomeRequest):
    pass


class ExtensionRequest(_Model):
    asset_id: Id
    new_end_date: date


class ExtensionInput(StepInput, ExtensionRequest):
    pass


class WriteOffRequest(_Model):
    reason: Text


class WriteOffInput(StepInput, WriteOffRequest):
    pass


class Visit(Recorded):
    visited_on: date
    people: list[str]
    place: str
    outcome: str
    next_action: str | None = None
    next_visit_on: date | None = None


class ChecklistTick(Recorded):
    item: ChecklistItem
    note: str | None = None


class QualificationReview(Recorded):
    registered_in_district: bool
    taxpaying_in_district: bool
    independent_legal_person: bool
    owns_ip: bool
    ip_valid_and_fees_paid: bool
    notes: str | None = None
    passed: bool


class Application(Recorded):
    bank_id: str
    product: ProductTerms
    requested_amount: Decimal
    requested_term_months: int
    assets: list[AssetSnapshot]
    valuer_id: str | None = None


class ValuationReport(Recorded):
    asset_id: str
    method: ValuationMethod
    value: Decimal
    base_date: date
    valid_until: date
    report_number: str
    agency: str
    fee: Decimal
    in_house: bool


class Proposal(Recorded):
    amount: Decimal
    lpr_percent: Decimal
    lpr_date: date
    spread_bp: int
    rate_percent: Decimal
    term_months: int
    repayment_mode: RepaymentMode
    credit_support: list[CreditSupport]
    guarantor_id: str | None = None
    insurer_id: str | None = None


class Decision(Recorded):
    approved: bool
    reason: str


class SignOff(Recorded):
    org_id: str
    party: Literal["guarantor", "insurer"]
    contract_number: str
    fee: Decimal


class Filing(Recorded):
    asset_id: str
    attempt: int
    authority: Authority
    adapter: str = "manual"
    authority_reference: str | None = None
    channel: FilingChannel
    filed_on: date
    deadline: date
    overdue: bool = False
    outcome: Literal["pending", "registered", "refused"] = "pending"
    registration_number: str | None = None
    effective_date: date | None = None
    refusal_reason: str | None = None
    outcome_recorded: Recorded | None = None
    pledge_end_date: date | None = None


class Disbursement(Recorded):
    contract_number: str
    amount: Decimal
    disbursed_on: date
    voucher: str
    maturity_date: date


class Reminder(_Model):
    raised_at: datetime
    idle_since: date
    working_days: int


class Closure(Recorded):
    outcome: Literal["withdrawn", "rejected", "closed", "disposed", "written_off"]
    reason: str


class Payment(Recorded):
    """Money received against the loan and how it was applied."""

    kind: Literal["repayment", "prepayment", "compensation", "disposal"]
    amount: Decimal
    value_date: date
    reference: str
    payer: str
    allocation: Allocation


class TierChange(_Model):
    on: date
    previous: RiskTier
    tier: RiskTier
    days_past_due: int
    manual: bool = False
    reason: str | None = None
    by: Actor | None = None


class Release(Recorded):
    """The filing that releases a pledge (注销/解除质押登记) and its outcome."""

    asset_id: str
    attempt: int
    authority: Authority
    channel: FilingChannel
    filed_on: date
    deadline: date
    overdue: bool = False
    outcome: Literal["pending", "released", "refused"] = "pending"
    release_date: date | None = None
    notice_number: str | None = None
    refusal_reason: str | None = None
    outcome_recorded: Recorded | None = None


class DisposalOutcome(_Model):
    """What the disposal of the pledged IP brought, as its workflow reports it."""

    method: DisposalMethod
    buyer: str
    proceeds: Decimal
    sold_on: date
    released_on: date


class Servicing(_Model):
    """A disbursed loan's repayment monitoring: the ledger, payments, classification, default and release."""

    ledger: Ledger
    payments: list[Payment] = Field(default_factory=list)
    days_past_due: int = 0
    overdue_since: date | None = None
    auto_tier: RiskTier = RiskTier.NORMAL
    manual_tier: RiskTier | None = None
    tier: RiskTier = RiskTier.NORMAL
    tier_history: list[TierChange] = Field(default_factory=list)
    reminded: list[int] = Field(default_factory=list, description="lines whose due-date reminder was sent")
    checked: list[int] = Field(default_factory=list, description="lines checked on their due date")
    compensation_requested_on: date | None = None
    compensation: Payment | None = None
    recourse_claim: Decimal = ZERO
    default: Recorded | None = None
    default_reason: str | None = None
    disposal: DisposalOutcome | None = None
    surplus: Decimal = ZERO
    releases: dict[str, Release] = Field(default_factory=dict)
    release_history: list[Release] = Field(default_factory=list)
    extension_reminded: list[str] = Field(default_factory=list)
    written_off: Decimal = ZERO


class LoanState(_Model):
    """Everything the workflow knows of one loan; the read model stores a copy of it."""

    loan_id: str
    enterprise_id: str
    enterprise_name: str
    district: District
    bank_id: str | None = None
    station_id: str | None = None
    stage: Stage = Stage.GUIDANCE
    opened: Recorded
    note: str | None = None
    config: LoanConfig
    last_activity_at: datetime
    reminders: list[Reminder] = Field(default_factory=list)
    visits: list[Visit] = Field(default_factory=list)
    checklist: dict[ChecklistItem, ChecklistTick] = Field(default_factory=dict)
    qualification: QualificationReview | None = None
    application: Application | None = None
    valuations: dict[str, ValuationReport] = Field(default_factory=dict)
    valuation_accepted: Recorded | None = None
    max_loan: Decimal | None = None
    proposal: Proposal | None = None
    decision: Decision | None = None
    sign_offs: dict[str, SignOff] = Field(default_factory=dict)
    declines: list[Closure | Decision] = Field(default_factory=list)
    filings: dict[str, Filing] = Field(default_factory=dict)
    filing_history: list[Filing] = Field(default_factory=list)
    disbursement: Disbursement | None = None
    servicing: Servicing | None = None
    closure: Closure | None = None
    step_count: int = 0

    @property
    def asset_ids(self) -> list[str]:
        return [a.id for a in self.application.assets] if self.application else []

    def required_sign_offs(self) -> dict[str, Literal["guarantor", "insurer"]]:
        """Organisations whose sign-off must be in before disbursement."""
        required: dict[str, Literal["guarantor", "insurer"]] = {}
        if self.proposal is not None and self.decision is not None and self.decision.approved:
            if self.proposal.guarantor_id:
                required[self.proposal.guarantor_id] = "guarantor"
            if self.proposal.insurer_id:
                required[self.proposal.insurer_id] = "insurer"
        return required


OpenLoanInput.model_rebuild()


class ScheduleLineModel(_Model):
    seq: int
    period_start: date
    due_date: date
    principal: Decimal
    interest: Decimal
    paid_principal: Decimal = ZERO
    paid_interest: Decimal = ZERO


class StepResult(_Model):
    """What an accepted step returns: the loan's state after it."""

    loan_id: str
    stage: Stage
    event: str
    state: LoanState


# ---- activity inputs -----------------------------------------------------------------------------------------


class LoanEventRecord(_Model):
    """One timeline entry, keyed so that a retried activity records it once."""

    key: str
    kind: str
    summary: str
    actor: Actor
    at: datetime
    request_id: str | None = None
    payload_digest: str
    data: dict[str, object] | None = None


class RecordLoanStepInput(_Model):
    """Persist an accepted step: the loan's state, the timeline event, its audit record (and a schedule)."""

    state: LoanState
    event: LoanEventRecord
    schedule: list[ScheduleLineModel] | None = None
    earlier_events: list[LoanEventRecord] = Field(
        default_factory=list, description="events the same step caused before its own (a change of tier), in order"
    )


class HoldAssetsInput(_Model):
    loan_id: str
    asset_ids: list[str]


ASSET_ALREADY_PLEDGED = "AssetAlreadyPledged"


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


class AuthorityFilingInput(_Model):
    """A pledge registration handed to the registration authority's adapter."""

    loan_id: str
    asset: AssetSnapshot
    channel: FilingChannel
    filed_on: date
    attempt: int
    purpose: Literal["pledge", "release"] = "pledge"


class AuthorityReceipt(_Model):
    """What the authority's adapter answers when a filing is handed over."""

    adapter: str
    reference: str | None = None
    outcome_entered_manually: bool = True
