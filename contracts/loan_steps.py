"""The inputs of a loan's steps: each `<Name>Request` is the body a caller sends, each `<Verb><Noun>Input` what the
workflow's update receives (the request, with who acts). Every free-text, id and money field uses the boundary
types of contracts/types.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from contracts.base import Model, StepInput
from contracts.enums import (
    ChecklistItem,
    CreditSupport,
    FilingChannel,
    RepaymentMode,
    RiskTier,
    ValuationMethod,
)
from contracts.loan_state import AssetSnapshot, ProductTerms
from contracts.types import MAX_LIST, Flag, Id, Money, NonNegativeMoney, Note, ShortText, Text


class LogVisitRequest(Model):
    visited_on: date
    people: list[ShortText] = Field(min_length=1, max_length=MAX_LIST)
    place: ShortText
    outcome: Text
    next_action: Text | None = None
    next_visit_on: date | None = None


class LogVisitInput(StepInput, LogVisitRequest):
    """LogVisitRequest as the workflow receives it, with the actor."""


class TickChecklistRequest(Model):
    item: ChecklistItem
    note: Note | None = None


class TickChecklistInput(StepInput, TickChecklistRequest):
    """TickChecklistRequest as the workflow receives it, with the actor."""


class QualificationReviewRequest(Model):
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


class ReviewQualificationInput(StepInput, QualificationReviewRequest):
    """QualificationReviewRequest as the workflow receives it, with the actor."""


class SubmitApplicationInput(StepInput):
    bank_id: Id
    product: ProductTerms
    requested_amount: Money
    requested_term_months: int = Field(ge=1, le=120)
    assets: list[AssetSnapshot] = Field(min_length=1, max_length=MAX_LIST)
    valuer_id: Id | None = Field(default=None, description="Appraisal agency; none means the bank values in-house.")


class SubmitValuationRequest(Model):
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


class AcceptValuationRequest(Model):
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


class DecideApprovalRequest(Model):
    approve: Flag
    reason: Text


class DecideApprovalInput(StepInput, DecideApprovalRequest):
    """DecideApprovalRequest as the workflow receives it, with the actor."""


class SignOffRequest(Model):
    contract_number: ShortText
    fee: NonNegativeMoney


class SignOffInput(StepInput, SignOffRequest):
    """SignOffRequest as the workflow receives it, with the actor."""


class DeclineSignOffRequest(Model):
    reason: Text


class DeclineSignOffInput(StepInput, DeclineSignOffRequest):
    """DeclineSignOffRequest as the workflow receives it, with the actor."""


class FileRegistrationRequest(Model):
    asset_id: Id
    channel: FilingChannel
    filed_on: date
    co_owner_consents: list[ShortText] = Field(default_factory=list, max_length=MAX_LIST)  # co-owners by name


class FileRegistrationInput(StepInput, FileRegistrationRequest):
    """FileRegistrationRequest as the workflow receives it, with the actor."""


class RegistrationOutcomeRequest(Model):
    asset_id: Id
    registered: Flag
    registration_number: ShortText | None = None
    effective_date: date | None = None
    refusal_reason: Text | None = None
    pledge_end_date: date | None = Field(
        default=None, description="trademark pledges: the end of the registration period (质权登记期限)"
    )


class RecordRegistrationOutcomeInput(StepInput, RegistrationOutcomeRequest):
    """RegistrationOutcomeRequest as the workflow receives it, with the actor."""


class DisburseRequest(Model):
    contract_number: ShortText
    amount: Money
    disbursed_on: date
    voucher: ShortText


class DisburseLoanInput(StepInput, DisburseRequest):
    """DisburseRequest as the workflow receives it, with the actor."""


class CloseCaseRequest(Model):
    reason: Text


# ---- the state the workflow keeps ---------------------------------------------------------------------------


class CloseCaseInput(StepInput, CloseCaseRequest):
    """CloseCaseRequest as the workflow receives it, with the actor."""


class RepaymentRequest(Model):
    amount: Money
    value_date: date
    reference: ShortText


class RecordRepaymentInput(StepInput, RepaymentRequest):
    pass


class PrepaymentRequest(Model):
    value_date: date
    principal: Money | None = Field(default=None, description="principal to repay early; none repays everything")
    expected_total: Money = Field(description="the total of the quote the bank accepted; refused if it changed")
    reference: ShortText


class PrepayLoanInput(StepInput, PrepaymentRequest):
    pass


class DowngradeRequest(Model):
    tier: RiskTier
    reason: Text


class DowngradeLoanInput(StepInput, DowngradeRequest):
    pass


class DeclareDefaultRequest(Model):
    declared_on: date
    reason: Text


class DeclareDefaultInput(StepInput, DeclareDefaultRequest):
    pass


class CompensationRequest(Model):
    amount: Money
    value_date: date
    reference: ShortText


class RecordCompensationInput(StepInput, CompensationRequest):
    pass


class FileReleaseRequest(Model):
    asset_id: Id
    channel: FilingChannel
    filed_on: date


class FileReleaseInput(StepInput, FileReleaseRequest):
    pass


class ReleaseOutcomeRequest(Model):
    asset_id: Id
    released: Flag
    release_date: date | None = None
    notice_number: ShortText | None = None
    refusal_reason: Text | None = None


class RecordReleaseOutcomeInput(StepInput, ReleaseOutcomeRequest):
    pass


class ExtensionRequest(Model):
    asset_id: Id
    new_end_date: date


class RecordExtensionInput(StepInput, ExtensionRequest):
    pass


class WriteOffRequest(Model):
    reason: Text


class WriteOffLoanInput(StepInput, WriteOffRequest):
    pass
