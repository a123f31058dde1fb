"""What a loan shows each party: the view models of `GET /loans/{id}` and of every step's answer.

These, not the workflow's internal state, are the public API: the workflow may reshape its state freely, a view
changes only when a party's job does. `services/api/loans/party_views.py` decides which view each caller gets and
fills it; the sections below are shared by the views that need them, each carrying only what a reader may know.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.enums import (
    Authority,
    ChecklistItem,
    CreditSupport,
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
from contracts.servicing import Position
from services.api.disposals.schemas import DisposalProgress


class _View(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Party(_View):
    id: str
    name: str | None


class NextStep(_View):
    """Who the loan waits on now, and for which steps."""

    role: Role
    role_label: str
    actions: list[str]


class AssetView(_View):
    id: str
    kind: IPKind
    number: str
    title: str
    expiry_date: date
    legal_status: LegalStatus
    fees_paid: bool


class VisitView(_View):
    visited_on: date
    people: list[str]
    place: str
    outcome: str
    next_action: str | None
    next_visit_on: date | None
    logged_at: datetime


class ChecklistEntry(_View):
    item: ChecklistItem
    label: str
    note: str | None
    ticked_at: datetime


class QualificationView(_View):
    passed: bool
    registered_in_district: bool
    taxpaying_in_district: bool
    independent_legal_person: bool
    owns_ip: bool
    ip_valid_and_fees_paid: bool
    notes: str | None
    reviewed_at: datetime


class ApplicationView(_View):
    product_id: str
    product_name: str
    requested_amount: Decimal
    requested_term_months: int
    assets: list[AssetView]
    valuer_id: str | None = Field(description="the appraisal agency; none for the bank's in-house valuation")
    submitted_at: datetime


class ValuationView(_View):
    asset_id: str
    method: ValuationMethod
    value: Decimal
    base_date: date
    valid_until: date
    report_number: str
    agency: str
    in_house: bool
    fee: Decimal | None = Field(description="shown to the bank, the enterprise, the agency and the district")
    submitted_at: datetime


class TermsView(_View):
    """The terms the bank proposed (and, once approved, offers)."""

    amount: Decimal
    rate_percent: Decimal
    lpr_percent: Decimal
    lpr_date: date
    spread_bp: int
    term_months: int
    repayment_mode: RepaymentMode
    credit_support: list[CreditSupport]
    guarantor_id: str | None
    insurer_id: str | None
    proposed_at: datetime


class DecisionView(_View):
    """The bank's credit decision with its internal reasons: for the bank (and the platform's operators) only."""

    approved: bool
    reason: str
    proposed_by: str
    decided_by: str
    decided_at: datetime


class SignOffView(_View):
    org_id: str
    party: Literal["guarantor", "insurer"]
    contract_number: str
    fee: Decimal
    signed_at: datetime


class _Filed(_View):
    """A filing with the registration authority (a pledge's registration or its release) and its deadline."""

    asset_id: str
    attempt: int
    authority: Authority
    channel: FilingChannel
    filed_on: date
    deadline: date
    deadline_provisional: bool = Field(
        description="the deadline counts working days of a year whose official calendar is not yet published"
    )
    overdue: bool
    refusal_reason: str | None


class FilingView(_Filed):
    outcome: Literal["pending", "registered", "refused"]
    registration_number: str | None
    effective_date: date | None
    pledge_end_date: date | None


class DisbursementView(_View):
    contract_number: str
    amount: Decimal
    disbursed_on: date
    maturity_date: date
    voucher: str | None = Field(description="the bank's internal voucher: for the bank only")


class PaymentView(_View):
    kind: Literal["repayment", "prepayment", "compensation", "disposal"]
    amount: Decimal
    value_date: date
    reference: str
    payer: str
    penalty: Decimal
    interest: Decimal
    principal: Decimal


class ReleaseView(_Filed):
    outcome: Literal["pending", "released", "refused"]
    release_date: date | None
    notice_number: str | None


class TierChangeView(_View):
    on: date
    previous: RiskTier
    tier: RiskTier
    days_past_due: int
    manual: bool
    reason: str | None


class ServicingView(_View):
    """Everything of the loan's servicing: for the bank."""

    tier: RiskTier
    auto_tier: RiskTier
    manual_tier: RiskTier | None
    days_past_due: int
    overdue_since: date | None
    payments: list[PaymentView]
    tier_history: list[TierChangeView]
    compensation_requested_on: date | None
    compensation: PaymentView | None
    recourse_claim: Decimal
    defaulted_at: datetime | None
    default_reason: str | None
    surplus: Decimal
    written_off: Decimal
    releases: list[ReleaseView]


class RepaymentView(_View):
    """The enterprise's repayments and the release of its pledges."""

    days_past_due: int
    overdue_since: date | None
    payments: list[PaymentView]
    releases: list[ReleaseView]


class RiskView(_View):
    """What a guarantor or insurer needs to watch its exposure and, on default, to compensate."""

    tier: RiskTier
    days_past_due: int
    overdue_since: date | None
    compensation_requested_on: date | None
    compensation: PaymentView | None
    recourse_claim: Decimal
    defaulted_at: datetime | None


class SupervisionServicingView(_View):
    """What a district office needs to supervise a loan and review a subsidy claim on it."""

    tier: RiskTier
    days_past_due: int
    overdue_since: date | None
    interest_paid: Decimal
    principal_repaid: Decimal
    compensated: Decimal
    defaulted_at: datetime | None
    written_off: Decimal


class ClosureView(_View):
    outcome: Literal["withdrawn", "rejected", "closed", "disposed", "written_off"]
    at: datetime
    reason: str | None = Field(description="the bank's reason: for the bank and the district only")


class _LoanViewBase(_View):
    id: str
    stage: Stage
    stage_label: str
    district: District
    opened_at: datetime
    updated_at: datetime
    parties: dict[str, Party] = Field(description="enterprise, bank, station, valuer, guarantor, insurer where known")
    actions: list[str] = Field(description="The steps you may take on this loan now.")


class _Amounts(_View):
    requested_amount: Decimal | None
    approved_amount: Decimal | None
    disbursed_amount: Decimal | None


class BankLoanView(_LoanViewBase, _Amounts):
    """The bank's view (also the platform operators'): everything, including its internal decision notes."""

    view: Literal["bank"] = "bank"
    max_loan: Decimal | None
    outstanding_principal: Decimal | None
    classification: RiskTier | None = Field(description="five-tier classification (五级分类)")
    overdue_since: date | None
    days_past_due: int
    note: str | None
    waiting_on: list[NextStep]
    position: Position | None = Field(description="What the loan owes today, once disbursed.")
    visits: list[VisitView]
    checklist: list[ChecklistEntry]
    qualification: QualificationView | None
    application: ApplicationView | None
    valuations: list[ValuationView]
    terms: TermsView | None
    decision: DecisionView | None
    sign_offs: list[SignOffView]
    filings: list[FilingView]
    disbursement: DisbursementView | None
    servicing: ServicingView | None
    closure: ClosureView | None
    disposal: DisposalProgress | None


class EnterpriseLoanView(_LoanViewBase, _Amounts):
    """The borrower's view: its loan, what it owes, what happens next; not the bank's internal notes."""

    view: Literal["enterprise"] = "enterprise"
    outstanding_principal: Decimal | None
    waiting_on: list[NextStep]
    position: Position | None
    checklist: list[ChecklistEntry]
    application: ApplicationView | None
    valuations: list[ValuationView]
    terms: TermsView | None
    sign_offs: list[SignOffView] = Field(description="its guarantee and insurance contracts (it pays their fees)")
    filings: list[FilingView]
    disbursement: DisbursementView | None
    repayment: RepaymentView | None
    closure: ClosureView | None


class SignOffPartyLoanView(_LoanViewBase, _Amounts):
    """A guarantor's or insurer's view: the loan's terms, the collateral, its own sign-off and the loan's risk;
    never another guarantor's or insurer's contract."""

    view: Literal["guarantor", "insurer"]
    outstanding_principal: Decimal | None
    application: ApplicationView | None
    valuations: list[ValuationView]
    terms: TermsView | None
    sign_off: SignOffView | None = Field(description="your own sign-off, once given")
    filings: list[FilingView]
    disbursement: DisbursementView | None
    risk: RiskView | None
    closure: ClosureView | None


class ValuerLoanView(_LoanViewBase):
    """An appraisal agency's view: the assets it values and its own reports; no amounts, no credit decision."""

    view: Literal["valuer"] = "valuer"
    assets: list[AssetView]
    valuations: list[ValuationView] = Field(description="your own reports")
    valuation_accepted: bool


class StationLoanView(_LoanViewBase, _Amounts):
    """A service-station specialist's view: the case's progress and who it waits on."""

    view: Literal["station"] = "station"
    note: str | None = Field(description="the case's note, written when it was opened")
    waiting_on: list[NextStep]
    visits: list[VisitView]
    checklist: list[ChecklistEntry]
    qualification: QualificationView | None
    application: ApplicationView | None
    filings: list[FilingView]
    disbursement: DisbursementView | None
    closure: ClosureView | None


class SupervisionLoanView(_LoanViewBase, _Amounts):
    """A district reviewer's or city administrator's view: what supervision and a subsidy review need."""

    view: Literal["supervision"] = "supervision"
    outstanding_principal: Decimal | None
    classification: RiskTier | None
    overdue_since: date | None
    days_past_due: int
    qualification: QualificationView | None
    application: ApplicationView | None
    valuations: list[ValuationView]
    terms: TermsView | None
    sign_offs: list[SignOffView]
    filings: list[FilingView]
    disbursement: DisbursementView | None
    servicing: SupervisionServicingView | None
    closure: ClosureView | None


LoanView = Annotated[
    BankLoanView | EnterpriseLoanView | SignOffPartyLoanView | ValuerLoanView | StationLoanView | SupervisionLoanView,
    Field(discriminator="view"),
]
