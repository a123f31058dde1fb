"""The state a loan's workflow keeps (`LoanState` and its parts), what the loan knows of its product and assets,
its per-loan settings, and what an accepted step answers (`StepResult`). Internal to the workflow and its own
read model: the API answers with views made for each party (services/api/loans/views), never with this."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationInfo, model_validator

from contracts.base import Actor, Model, Recorded
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


class AssetSnapshot(Model):
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


class ProductTerms(Model):
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


class LoanConfig(Model):
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
    deadline_provisional: bool = Field(
        default=False, description="counted through a year whose official holiday calendar was not yet published"
    )
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


class Reminder(Model):
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


class TierChange(Model):
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
    deadline_provisional: bool = Field(
        default=False, description="counted through a year whose official holiday calendar was not yet published"
    )
    overdue: bool = False
    outcome: Literal["pending", "released", "refused"] = "pending"
    release_date: date | None = None
    notice_number: str | None = None
    refusal_reason: str | None = None
    outcome_recorded: Recorded | None = None


class DisposalOutcome(Model):
    """What the disposal of the pledged IP brought, as its workflow reports it."""

    method: DisposalMethod
    buyer: str
    proceeds: Decimal
    sold_on: date
    released_on: date


class Servicing(Model):
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


class Waiting(Model):
    """A party the loan waits on, and the steps it may take to move the loan on."""

    role: Role
    actions: list[str]


class LoanSummary(Model):
    """The loan at a glance (`LoanState.summary`), as the read model's columns hold it and every party's view shows
    it. Computed once per step, by the workflow, and carried to both: the step's write and the step's answer."""

    stage: Stage
    bank_id: str | None
    valuer_id: str | None
    guarantor_id: str | None
    insurer_id: str | None
    requested_amount: Decimal | None
    max_loan: Decimal | None
    approved_amount: Decimal | None
    disbursed_amount: Decimal | None
    outstanding_principal: Decimal | None
    classification: RiskTier | None
    overdue_since: date | None


class LoanState(Model):
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
    # Who the loan waits on, as of its last written step or timer event (the rule: services/domain/loan_rules/
    # waiting). Kept with the state so that lists of many loans can show it without running the rules per row.
    waiting_on: list[Waiting] = Field(default_factory=list)

    @property
    def asset_ids(self) -> list[str]:
        return [a.id for a in self.application.assets] if self.application else []

    def summary(self) -> LoanSummary:
        """The state's one projection: the workflow computes it once per step and sends it with the step's write
        (the read model's row: services/store/loan_steps) and its answer (services/api/loans/party_views)."""
        approved = self.decision is not None and self.decision.approved and self.proposal is not None
        servicing = self.servicing
        return LoanSummary(
            stage=self.stage,
            bank_id=self.bank_id,
            valuer_id=self.application.valuer_id if self.application else None,
            guarantor_id=self.proposal.guarantor_id if self.proposal else None,
            insurer_id=self.proposal.insurer_id if self.proposal else None,
            requested_amount=self.application.requested_amount if self.application else None,
            max_loan=self.max_loan,
            approved_amount=self.proposal.amount if approved and self.proposal else None,
            disbursed_amount=self.disbursement.amount if self.disbursement else None,
            outstanding_principal=servicing.ledger.outstanding_principal if servicing else None,
            classification=servicing.tier if servicing else None,
            overdue_since=servicing.overdue_since if servicing else None,
        )

    def required_sign_offs(self) -> dict[str, Literal["guarantor", "insurer"]]:
        """Organisations whose sign-off must be in before disbursement."""
        required: dict[str, Literal["guarantor", "insurer"]] = {}
        if self.proposal is not None and self.decision is not None and self.decision.approved:
            if self.proposal.guarantor_id:
                required[self.proposal.guarantor_id] = "guarantor"
            if self.proposal.insurer_id:
                required[self.proposal.insurer_id] = "insurer"
        return required


class StepResult(Model):
    """What an accepted step returns: the loan's state after it, and its summary."""

    loan_id: str
    stage: Stage
    event: str
    state: LoanState
    summary: LoanSummary

    @model_validator(mode="before")
    @classmethod
    def _older_answer(cls, data: Any, info: ValidationInfo) -> Any:
        """An answer recorded before steps carried their summary (an update completed before that release, joined
        again by its retry) is made whole from its state."""
        return with_summary(data, info)


def with_summary(data: Any, info: ValidationInfo) -> Any:
    """A payload with a loan's `state` but no `summary` (sent by a release before steps carried one), completed."""
    if isinstance(data, dict) and "summary" not in data and "state" in data:
        return {**data, "summary": LoanState.model_validate(data["state"], context=info.context).summary()}
    return data
