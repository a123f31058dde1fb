"""Bodies of the subsidy round and claim endpoints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
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
    period_start: date | None = Field(default=None, description="first day covered; the disbursement by default")
    period_end: date | None = Field(default=None, description="last day covered; today by default")
    claimed: Money | None = Field(default=None, description="the amount claimed; the evidence when left out")
    documents: dict[MaterialCode, Id] = Field(
        default_factory=dict, max_length=MAX_LIST, description="material code → uploaded document id"
    )
    other_subsidy: Flag = Field(default=False, description="another subsidy already covers this cost (declared)")


class FileClaimRequest(Materials):
    round_id: Id
    loan_id: Id
    kind: SubsidyKind


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
    loan_id: str
    enterprise_id: str
    enterprise_name: str
    status: ClaimStatus
    status_label: str
    period_start: date
    period_end: date
    claimed: Decimal
    computed: Decimal
    approved: Decimal | None
    filed_at: datetime
    updated_at: datetime


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


Turn = Literal["mine", "filer", "reviewer"]
