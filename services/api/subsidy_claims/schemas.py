"""Bodies of the subsidy round and claim endpoints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.enums import District
from contracts.subsidy_claim import (
    ClaimDecision,
    ClaimReturn,
    ClaimRevision,
    ClaimStatus,
    ReviewProposal,
)
from contracts.subsidy_policy import SubsidyKind
from contracts.types import MAX_LIST, Flag, Id, Money, Note, ShortText, Text

MaterialCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoundCreate(_Body):
    district: District
    title: ShortText
    filing_opens: date
    filing_closes: date


class RoundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    district: District
    policy_id: str = Field(description="the version in force when the round opened")
    title: str
    filing_opens: date
    filing_closes: date
    created_by: str
    created_at: datetime


class Materials(_Body):
    period_start: date | None = Field(
        default=None,
        description="first day covered; the disbursement by default (for a claim on no loan, the year's first day)",
    )
    period_end: date | None = Field(default=None, description="last day covered; today by default")
    claimed: Money | None = Field(
        default=None,
        description="the amount claimed; the evidence when left out (a securitisation states it, as its vouchers show)",
    )
    documents: dict[MaterialCode, Id] = Field(
        default_factory=dict, max_length=MAX_LIST, description="material code → uploaded document id"
    )
    other_subsidy: Flag = Field(default=False, description="another subsidy already covers this cost (declared)")


class FileClaimRequest(Materials):
    """A claim of `kind` into a round: a loan's cost kinds name the loan; bank-institution support is claimed by the
    bank for its IP pledge loans in the round's district (no loan named); a securitisation names no loan, and a
    station specialist filing it names the enterprise."""

    round_id: Id
    kind: SubsidyKind
    loan_id: Id | None = Field(default=None, description="the loan, for interest and the fees (and only for them)")
    enterprise_id: Id | None = Field(
        default=None, description="securitisation filed by a station specialist: the enterprise it is filed for"
    )


class ReturnRequest(_Body):
    reason: Text
    items: list[MaterialCode] = Field(min_length=1, max_length=MAX_LIST, description="the material codes to fix")


class AcceptRequest(_Body):
    note: Note | None = None


class ProposeRequest(_Body):
    amount: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
    reason: Note | None = Field(default=None, description="required when below what the policy yields")


class ConfirmReviewRequest(_Body):
    agree: Flag
    reason: Note | None = Field(default=None, description="required when disagreeing")


class RejectRequest(_Body):
    reason: Text


class ConfirmRequest(_Body):
    """意愿确认: nothing to add; the enterprise's wish is the request itself."""


class ClaimEventView(BaseModel):
    kind: str
    status: ClaimStatus
    summary: str
    by: str
    role: str
    at: datetime


class ClaimSummary(BaseModel):
    id: str
    round_id: str
    district: District
    kind: SubsidyKind
    kind_label: str
    loan_id: str | None = Field(description="the loan whose cost is claimed (none for a bank's or a securitisation)")
    enterprise_id: str | None = Field(description="the enterprise claiming (none for a bank's own claim)")
    enterprise_name: str = Field(description="the claimant's name: the enterprise's, or the bank's")
    status: ClaimStatus
    status_label: str
    period_start: date
    period_end: date
    claimed: Decimal
    computed: Decimal
    approved: Decimal | None
    funded: Decimal | None = Field(description="its share in the round's funding plan (after any pro-rata cut)")
    paid: Decimal | None = Field(description="what was paid out")
    filed_at: datetime
    updated_at: datetime
    review_deadline: date | None = Field(description="the district's review is due by this day (working days)")
    review_deadline_provisional: bool = Field(
        description="counted through a year whose official holidays are not published yet (from weekends and the "
        "statutory holidays only)"
    )
    overdue: bool = Field(description="waiting for the district past its due day")


class ClaimPage(BaseModel):
    items: list[ClaimSummary]
    next_cursor: str | None


class ClaimView(ClaimSummary):
    policy_id: str = Field(description="the policy version the claim is evaluated under (in force when it was filed)")
    revisions: list[ClaimRevision] = Field(description="the filing and each correction, the latest last")
    returns: list[ClaimReturn]
    proposal: ReviewProposal | None
    approval: ClaimDecision | None
    rejection: ClaimDecision | None
    waiting_on: list[str]
    actions: list[str] = Field(description="the steps the caller may take now")
    timeline: list[ClaimEventView]


Turn = Literal["mine", "filer", "reviewer", "overdue"]


class NoticeRequest(_Body):
    published_on: date | None = Field(default=None, description="today by default; not in the future")


class NoticeEntry(BaseModel):
    claim_id: str
    enterprise_name: str
    kind: SubsidyKind
    kind_label: str
    amount: Decimal = Field(description="the approved amount")
    status: ClaimStatus
    ends_on: date | None


class NoticeList(BaseModel):
    """A round's public notice (公示): the approved claims, their enterprises, kinds and amounts."""

    round_id: str
    title: str
    entries: list[NoticeEntry]
    total: Decimal


class FundingLine(BaseModel):
    claim_id: str
    enterprise_name: str
    approved: Decimal
    funded: Decimal


class FundingPlan(BaseModel):
    """The round's funding plan: each noticed claim's approved amount and, when the year's budget is short, its
    pro-rata share (the shares sum to what is left of the budget, to the fen)."""

    round_id: str
    budget: Decimal = Field(description="the policy's budget for the year")
    used_before: Decimal = Field(
        description="already held by the year's funding plans (earlier rounds, or earlier "
        "claims of this plan when it is sent again)"
    )
    requested: Decimal = Field(description="the approved amounts of this plan's claims")
    funded: Decimal
    cut: bool
    lines: list[FundingLine]


class ObjectionRequest(_Body):
    objector: ShortText = Field(description="the objector's name: anonymous objections are not accepted")
    contact: ShortText = Field(description="how to reach the objector (phone, address or ID number)")
    statement: Text = Field(description="the written objection")
    received_on: date


class PaymentRequest(_Body):
    amount: Money
    paid_on: date
    voucher: ShortText


class Finding(StrEnum):
    OK = "ok"
    CLAWBACK = "clawback"

    @property
    def label(self) -> str:
        return {"ok": "正常，无问题", "clawback": "责令退回资助"}[self.value]


class CheckRequest(_Body):
    checked_on: date
    finding: Finding
    note: Text
    closes: Flag = Field(default=False, description="ends supervision (else the next check is due next quarter end)")
    amount: Money | None = Field(default=None, description="clawback: the amount to repay")
    deadline: date | None = Field(default=None, description="clawback: by when")


class ClawbackRepaidRequest(_Body):
    amount: Money
    repaid_on: date
    voucher: ShortText
