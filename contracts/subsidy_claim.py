"""A subsidy claim's workflow (`SubsidyClaimWorkflow`, id `subsidy-claim-<claim id>`): its input, steps, state and
persistence. One claim covers one kind of support for one loan over a period, filed into a district's round; it goes
申报 (filed, or drafted by pledgeflow and confirmed: 免申即享) → 受理 (accepted, or 补正: returned for correction) →
审核 (an amount proposed and confirmed by a second reviewer, or rejected)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from contracts.base import Model, Recorded, StepInput
from contracts.enums import District, Role
from contracts.loan_activities import LoanEventRecord
from contracts.subsidy_policy import SubsidyKind, Supplied
from contracts.types import MAX_LIST, Note, Text

SUBSIDY_CLAIM_WORKFLOW_NAME = "SubsidyClaimWorkflow"


def claim_workflow_id(claim_id: str) -> str:
    return f"subsidy-claim-{claim_id}"


class ClaimStatus(StrEnum):
    DRAFTED = "drafted"  # 免申即享: drafted by pledgeflow, waiting for the enterprise's confirmation
    FILED = "filed"  # waiting for acceptance
    RETURNED = "returned"  # 补正: waiting for the filer's correction
    ACCEPTED = "accepted"  # 受理: waiting for review
    PROPOSED = "proposed"  # an amount proposed, waiting for a second reviewer
    APPROVED = "approved"  # waiting for the round's public notice
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self is ClaimStatus.REJECTED


_STATUS_LABELS = {
    ClaimStatus.DRAFTED: "待企业确认",
    ClaimStatus.FILED: "已申报待受理",
    ClaimStatus.RETURNED: "待补正",
    ClaimStatus.ACCEPTED: "已受理待审核",
    ClaimStatus.PROPOSED: "待复核",
    ClaimStatus.APPROVED: "审核通过待公示",
    ClaimStatus.REJECTED: "不予资助",
}


class ClaimUpdate(StrEnum):
    """The claim workflow's steps (Temporal update names)."""

    FILED = "claim_filed"  # sent with the start: answers once the filing is written
    CONFIRM = "confirm_claim"
    ACCEPT = "accept_claim"
    RETURN = "return_claim"
    CORRECT = "correct_claim"
    PROPOSE = "propose_amount"
    CONFIRM_REVIEW = "confirm_review"
    REJECT = "reject_claim"


class ComputedLine(Model):
    step: str
    amount: Decimal
    how: str


class Computation(Model):
    """What the claim yields under its policy version, as computed by services/domain/subsidy/amounts."""

    policy_id: str
    lines: list[ComputedLine]
    amount: Decimal
    refusals: list[str] = Field(default_factory=list)


class MaterialLink(Model):
    """One checklist item of the claim: an uploaded document, or a fact pledgeflow holds (`supplied`, `reference`)."""

    code: str
    name: str
    document_id: str | None = None
    supplied: Supplied | None = None
    reference: str | None = None


class ClaimRevision(Model):
    """What the filer states (the first filing, or a correction): the period, the amount and the materials."""

    revision: int
    period_start: date
    period_end: date
    claimed: Decimal
    other_subsidy: bool = Field(default=False, description="the filer declared another subsidy covers this cost")
    materials: list[MaterialLink]
    computation: Computation
    filed: Recorded


class ClaimReturn(Recorded):
    reason: str
    items: list[str]


class ReviewProposal(Recorded):
    amount: Decimal
    reason: str | None
    computation: Computation


class ClaimDecision(Recorded):
    reason: str | None = None


class ClaimInput(Model):
    """The start of a claim's workflow: everything the API checked at filing."""

    claim_id: str
    round_id: str
    district: District
    kind: SubsidyKind
    loan_id: str
    enterprise_id: str
    enterprise_name: str
    station_id: str | None
    bank_id: str | None
    drafted: bool = Field(default=False, description="drafted by pledgeflow (免申即享): waits for confirmation")
    first: ClaimRevision


class ClaimState(Model):
    claim_id: str
    round_id: str
    district: District
    kind: SubsidyKind
    loan_id: str
    enterprise_id: str
    enterprise_name: str
    station_id: str | None
    bank_id: str | None
    status: ClaimStatus
    revisions: list[ClaimRevision]
    confirmed: Recorded | None = None
    returns: list[ClaimReturn] = Field(default_factory=list)
    accepted: Recorded | None = None
    proposal: ReviewProposal | None = None
    disagreements: list[ClaimDecision] = Field(default_factory=list)
    approval: ClaimDecision | None = None
    rejection: ClaimDecision | None = None
    step_count: int = 0

    @property
    def current(self) -> ClaimRevision:
        return self.revisions[-1]

    @property
    def approved_amount(self) -> Decimal | None:
        return self.proposal.amount if self.approval is not None and self.proposal is not None else None

    def waiting_on(self) -> list[Role]:
        """Who the claim waits on now."""
        if self.status in (ClaimStatus.DRAFTED, ClaimStatus.RETURNED):
            return [Role.ENTERPRISE, Role.STATION_SPECIALIST]
        if self.status in (ClaimStatus.FILED, ClaimStatus.ACCEPTED, ClaimStatus.PROPOSED):
            return [Role.DISTRICT_REVIEWER]
        return []


# --- steps ---


class ConfirmClaimInput(StepInput):
    """意愿确认: the enterprise (or its specialist) confirms a claim pledgeflow drafted."""


class AcceptClaimInput(StepInput):
    note: Note | None = None


class ReturnClaimInput(StepInput):
    reason: Text
    items: list[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]] = Field(
        min_length=1, max_length=MAX_LIST, description="the material codes to fix"
    )


class CorrectClaimInput(StepInput):
    """A new revision (the API completed and computed it); earlier revisions are kept."""

    revision: ClaimRevision


class ProposeAmountInput(StepInput):
    amount: Decimal = Field(ge=0, max_digits=15, decimal_places=2)
    reason: Note | None = None
    computation: Computation = Field(description="computed by the API at review, the year's other claims counted")


class ConfirmReviewInput(StepInput):
    agree: bool
    reason: Note | None = None


class RejectClaimInput(StepInput):
    reason: Text


# --- persistence ---


# A claim's timeline entry has the shape of a loan's: one key per step, so a retried write records it once.
ClaimEventRecord = LoanEventRecord


class RecordClaimStepInput(Model):
    state: ClaimState
    event: ClaimEventRecord


class ClaimStepResult(Model):
    event: str
    state: ClaimState
