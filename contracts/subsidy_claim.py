"""A subsidy claim's workflow (`SubsidyClaimWorkflow`, id `subsidy-claim-<claim id>`): its input, steps, state and
persistence. One claim covers one kind of support over a period, filed into a district's round: an enterprise's cost
of one loan (interest, fees), a bank's IP pledge loans in the district (bank-institution support; `loan_id` and
`enterprise_id` empty, the bank in `bank_id` and its name in `enterprise_name`, which names the claimant), or an
enterprise's securitisation (`loan_id` empty); it goes
申报 (filed, or drafted by pledgeflow and confirmed: 免申即享) → 受理 (accepted, or 补正: returned for correction) →
审核 (an amount proposed and confirmed by a second reviewer, or rejected)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from contracts.base import Model, Recorded, StepInput
from contracts.enums import District, Role
from contracts.loan_activities import LoanEventRecord
from contracts.subsidy_policy import SubsidyKind, Supplied
from contracts.types import MAX_LIST, Note, ShortText, Text

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
    IN_NOTICE = "in_notice"  # 公示: on the round's public notice until its last working day
    NOTICED = "noticed"  # the notice ended without a valid objection: waiting for the funding plan
    FUNDED = "funded"  # in the round's funding plan (after any pro-rata cut): waiting for payment
    PAID = "paid"  # 拨付: under supervision until its checks close it
    CHECK_DUE = "check_due"  # 跟踪监管: a follow-up check is due
    CLAWBACK = "clawback"  # a finding ordered the subsidy repaid
    CLOSED = "closed"  # supervision over (or the clawback repaid)
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in (ClaimStatus.REJECTED, ClaimStatus.CLOSED)


_STATUS_LABELS = {
    ClaimStatus.DRAFTED: "待企业确认",
    ClaimStatus.FILED: "已申报待受理",
    ClaimStatus.RETURNED: "待补正",
    ClaimStatus.ACCEPTED: "已受理待审核",
    ClaimStatus.PROPOSED: "待复核",
    ClaimStatus.APPROVED: "审核通过待公示",
    ClaimStatus.IN_NOTICE: "公示中",
    ClaimStatus.NOTICED: "公示期满待下达计划",
    ClaimStatus.FUNDED: "已下达资助计划待拨付",
    ClaimStatus.PAID: "已拨付（跟踪监管中）",
    ClaimStatus.CHECK_DUE: "待跟踪检查",
    ClaimStatus.CLAWBACK: "责令退回资助",
    ClaimStatus.CLOSED: "已办结",
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
    START_NOTICE = "start_notice"
    RECORD_OBJECTION = "record_objection"
    SET_FUNDING = "set_funding"
    RECORD_PAYMENT = "record_payment"
    RECORD_CHECK = "record_check"
    RECORD_CLAWBACK_REPAID = "record_clawback_repaid"


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


class Notice(Recorded):
    published_on: date
    ends_on: date = Field(description="the notice's last working day")
    provisional: bool = Field(default=False, description="counted through a year the official calendar lacks")


class Objection(Recorded):
    objector: str
    contact: str
    statement: str
    received_on: date


class Funding(Recorded):
    plan_id: str
    amount: Decimal


class SubsidyPayment(Recorded):
    amount: Decimal
    paid_on: date
    voucher: str


class SupervisionCheck(Recorded):
    checked_on: date
    finding: Literal["ok", "clawback"]
    note: str
    closes: bool
    amount: Decimal | None = None
    deadline: date | None = None


class ClaimInput(Model):
    """The start of a claim's workflow: everything the API checked at filing."""

    claim_id: str
    round_id: str
    district: District
    kind: SubsidyKind
    loan_id: str | None
    enterprise_id: str | None
    enterprise_name: str
    station_id: str | None
    bank_id: str | None
    drafted: bool = Field(default=False, description="drafted by pledgeflow (免申即享): waits for confirmation")
    first: ClaimRevision
    review_deadline: date | None = Field(default=None, description="the district's review is due by this day")


class ClaimState(Model):
    claim_id: str
    round_id: str
    district: District
    kind: SubsidyKind
    loan_id: str | None
    enterprise_id: str | None
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
    notice: Notice | None = None
    notices: list[Notice] = Field(default_factory=list, description="earlier notices, cut short by an objection")
    objections: list[Objection] = Field(default_factory=list)
    funding: Funding | None = None
    payment: SubsidyPayment | None = None
    next_check_on: date | None = Field(default=None, description="when the next follow-up check falls due")
    checks: list[SupervisionCheck] = Field(default_factory=list)
    clawback_repaid: SubsidyPayment | None = None
    # The reviewer's working-day limit (the policy's review_working_days): due by `review_deadline`; the clock stops
    # while the claim waits for the filer (`review_days_used` carried over), and a reminder is raised once per day.
    review_deadline: date | None = None
    review_clock_from: date | None = None
    review_days_used: int = 0
    review_reminded: list[date] = Field(default_factory=list)
    step_count: int = 0

    @property
    def current(self) -> ClaimRevision:
        return self.revisions[-1]

    @property
    def approved_amount(self) -> Decimal | None:
        return self.proposal.amount if self.approval is not None and self.proposal is not None else None

    def waiting_on(self) -> list[Role]:
        """Who the claim waits on now."""
        if self.status in (ClaimStatus.DRAFTED, ClaimStatus.RETURNED, ClaimStatus.CLAWBACK):
            return [Role.BANK_OFFICER] if self.kind.by_a_bank else [Role.ENTERPRISE, Role.STATION_SPECIALIST]
        if self.status in (
            ClaimStatus.FILED,
            ClaimStatus.ACCEPTED,
            ClaimStatus.PROPOSED,
            ClaimStatus.NOTICED,
            ClaimStatus.FUNDED,
            ClaimStatus.CHECK_DUE,
        ):
            return [Role.DISTRICT_REVIEWER]
        return []


# --- steps ---


class ConfirmClaimInput(StepInput):
    """意愿确认: the enterprise (or its specialist) confirms a claim pledgeflow drafted."""

    review_deadline: date | None = Field(default=None, description="the district's review is due by this day")


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
    review_deadline: date | None = Field(default=None, description="the review's new due day, the clock resumed")
    review_days_used: int = Field(default=0, ge=0, description="working days the review had used before the return")


class ProposeAmountInput(StepInput):
    amount: Decimal = Field(ge=0, max_digits=15, decimal_places=2)
    reason: Note | None = None
    computation: Computation = Field(description="computed by the API at review, the year's other claims counted")


class ConfirmReviewInput(StepInput):
    agree: bool
    reason: Note | None = None


class RejectClaimInput(StepInput):
    reason: Text


class StartNoticeInput(StepInput):
    """Sent by the API for each approved claim when the round's notice is published (the end computed there, by
    the official calendar, so that the workflow holds a date, not a calendar)."""

    published_on: date
    ends_on: date
    provisional: bool = False


class RecordObjectionInput(StepInput):
    """A written, named objection received during the notice: the claim goes back to review."""

    objector: ShortText
    contact: ShortText
    statement: Text
    received_on: date


class SetFundingInput(StepInput):
    plan_id: str
    amount: Decimal = Field(ge=0, max_digits=15, decimal_places=2)


class RecordPaymentInput(StepInput):
    amount: Decimal = Field(gt=0, max_digits=15, decimal_places=2)
    paid_on: date
    voucher: ShortText


class RecordCheckInput(StepInput):
    """跟踪监管: a follow-up check's finding; `closes` ends supervision (else the next check falls due at the next
    quarter end); a clawback orders the subsidy (or part of it) repaid by a deadline."""

    checked_on: date
    finding: Literal["ok", "clawback"]
    note: Text
    closes: bool = False
    amount: Decimal | None = Field(default=None, gt=0, max_digits=15, decimal_places=2)
    deadline: date | None = None


class RecordClawbackRepaidInput(StepInput):
    """The reviewer records that the ordered amount came back (recorded by the district, which receives it)."""

    amount: Decimal = Field(gt=0, max_digits=15, decimal_places=2)
    repaid_on: date
    voucher: ShortText


# --- persistence ---


# A claim's timeline entry has the shape of a loan's: one key per step, so a retried write records it once.
ClaimEventRecord = LoanEventRecord


class RecordClaimStepInput(Model):
    state: ClaimState
    event: ClaimEventRecord


class ClaimStepResult(Model):
    event: str
    state: ClaimState
