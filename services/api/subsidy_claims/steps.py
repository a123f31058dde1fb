"""The steps of a claim after its filing, each sent to the claim's workflow as an Update (the shared sender:
services/api/workflow_updates). The correction and the review proposal are computed here first, from what the
database holds (the loan's facts, the enterprise's other approved claims of the year), under the policy version the
claim was filed under; the other steps carry only what the caller says."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from contracts.base import Recorded, StepInput
from contracts.subsidy_claim import (
    AcceptClaimInput,
    ClaimState,
    ClaimStepResult,
    ClaimUpdate,
    ConfirmClaimInput,
    ConfirmReviewInput,
    CorrectClaimInput,
    ProposeAmountInput,
    RecordCheckInput,
    RecordClawbackRepaidInput,
    RecordObjectionInput,
    RecordPaymentInput,
    RejectClaimInput,
    ReturnClaimInput,
    claim_workflow_id,
)
from contracts.types import TRUSTED
from services.api.dependencies import RequestContext, actor_of
from services.api.loans.exceptions import NotYourStep
from services.api.subsidies.exceptions import PolicyNotFound
from services.api.subsidies.service import today
from services.api.subsidy_claims import service, subjects
from services.api.subsidy_claims.exceptions import ClaimOverlaps
from services.api.subsidy_claims.schemas import (
    AcceptRequest,
    CheckRequest,
    ClaimView,
    ClawbackRepaidRequest,
    ConfirmRequest,
    ConfirmReviewRequest,
    Materials,
    ObjectionRequest,
    PaymentRequest,
    ProposeRequest,
    RejectRequest,
    ReturnRequest,
)
from services.api.workflow_updates import send_update
from services.domain.calendar import shanghai_date, working_days_between
from services.domain.subsidy import claim_rules
from services.domain.subsidy.facts import Period
from services.store import subsidy_claims, subsidy_policies
from services.store.subsidy_tables import SubsidyClaim, SubsidyPolicy


async def _send(
    session: AsyncSession,
    temporal: Client,
    context: RequestContext,
    claim: SubsidyClaim,
    update: ClaimUpdate,
    data: StepInput,
) -> ClaimView:
    await session.commit()  # release the connection while the workflow works
    result = await send_update(
        temporal,
        context,
        claim_workflow_id(claim.id),
        update.value,
        data,
        ClaimStepResult,
        closed=lambda: _closed(claim),
        what="claim",
    )
    fresh = await subsidy_claims.get_claim(session, claim.id)
    assert fresh is not None  # written by the step before it answered
    return await service.claim_view(session, context.principal, fresh, result.state)


async def _closed(claim: SubsidyClaim) -> str:
    return f"The claim {claim.id} is {claim.status}: it takes no more steps."


def _base(context: RequestContext) -> StepInput:
    return StepInput(actor=actor_of(context.principal), request_id=context.request_id)


async def confirm(
    s: AsyncSession,
    t: Client,
    c: RequestContext,
    claim: SubsidyClaim,
    body: ConfirmRequest,  # noqa: ARG001
) -> ClaimView:
    """意愿确认: the district's review clock starts now."""
    policy = await _policy(s, claim)
    data = ConfirmClaimInput(**_base(c).model_dump(), review_deadline=service.review_due(policy, today()))
    return await _send(s, t, c, claim, ClaimUpdate.CONFIRM, data)


async def accept(s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: AcceptRequest) -> ClaimView:
    return await _send(s, t, c, claim, ClaimUpdate.ACCEPT, AcceptClaimInput(**_base(c).model_dump(), note=body.note))


async def send_back(
    s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: ReturnRequest
) -> ClaimView:
    data = ReturnClaimInput(**_base(c).model_dump(), reason=body.reason, items=body.items)
    return await _send(s, t, c, claim, ClaimUpdate.RETURN, data)


async def confirm_review(
    s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: ConfirmReviewRequest
) -> ClaimView:
    data = ConfirmReviewInput(**_base(c).model_dump(), agree=body.agree, reason=body.reason)
    return await _send(s, t, c, claim, ClaimUpdate.CONFIRM_REVIEW, data)


async def reject(s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: RejectRequest) -> ClaimView:
    return await _send(
        s, t, c, claim, ClaimUpdate.REJECT, RejectClaimInput(**_base(c).model_dump(), reason=body.reason)
    )


async def _policy(session: AsyncSession, claim: SubsidyClaim) -> SubsidyPolicy:
    policy = await subsidy_policies.get_version(session, claim.policy_id)
    if policy is None:
        raise PolicyNotFound(f"There is no subsidy policy version {claim.policy_id!r}.")
    return policy


def _said_first(c: RequestContext, state: ClaimState, step: ClaimUpdate) -> None:
    """Who may take the step, said before anything is looked up or computed (the workflow says it again)."""
    who = claim_rules.not_your_step(actor_of(c.principal), state, step)
    if who is not None:
        raise NotYourStep(who)


async def correct(s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: Materials) -> ClaimView:
    """A new revision of the claim (补正), checked and computed as the filing was, under the same policy version."""
    state = ClaimState.model_validate(claim.state, context=TRUSTED)
    _said_first(c, state, ClaimUpdate.CORRECT)
    subject, policy = await subjects.of_claim(s, claim), await _policy(s, claim)
    recorded = Recorded(by=actor_of(c.principal), at=datetime.now(UTC), request_id=c.request_id)
    number = len(state.revisions) + 1
    revision = await service.revision_of(s, c.principal, subject, policy, body, number, recorded, excluding=claim.id)
    overlap = await subsidy_claims.overlapping(
        s, subject.claimant, claim.kind, revision.period_start, revision.period_end
    )
    if overlap is not None and overlap.id != claim.id:
        raise ClaimOverlaps(
            f"Claim {overlap.id} already covers part of {revision.period_start} – {revision.period_end}."
        )
    # The review's clock resumes with what it had left when the claim was returned.
    used = state.review_days_used
    if state.review_clock_from is not None and state.returns:
        used += working_days_between(state.review_clock_from, shanghai_date(state.returns[-1].at))
    data = CorrectClaimInput(
        **_base(c).model_dump(),
        revision=revision,
        review_deadline=service.review_due(policy, today(), used),
        review_days_used=used,
    )
    return await _send(s, t, c, claim, ClaimUpdate.CORRECT, data)


async def propose(
    s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: ProposeRequest
) -> ClaimView:
    """The reviewer's amount, with the claim computed again now: the facts as they stand (the loan's, or the bank's
    loans) and the claimant's other claims approved since counted against the caps."""
    state = ClaimState.model_validate(claim.state, context=TRUSTED)
    _said_first(c, state, ClaimUpdate.PROPOSE)
    subject, policy = await subjects.of_claim(s, claim), await _policy(s, claim)
    current = state.current
    computation = await subjects.computed(
        s,
        subject,
        policy,
        Period(current.period_start, current.period_end),
        current.claimed,
        current.other_subsidy,
        excluding=claim.id,
    )
    data = ProposeAmountInput(**_base(c).model_dump(), amount=body.amount, reason=body.reason, computation=computation)
    return await _send(s, t, c, claim, ClaimUpdate.PROPOSE, data)


async def record_objection(
    s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: ObjectionRequest
) -> ClaimView:
    """A written, named objection received during the notice: the claim goes back to review."""
    data = RecordObjectionInput(**_base(c).model_dump(), **body.model_dump())
    return await _send(s, t, c, claim, ClaimUpdate.RECORD_OBJECTION, data)


async def record_payment(
    s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: PaymentRequest
) -> ClaimView:
    data = RecordPaymentInput(**_base(c).model_dump(), **body.model_dump())
    return await _send(s, t, c, claim, ClaimUpdate.RECORD_PAYMENT, data)


async def record_check(
    s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: CheckRequest
) -> ClaimView:
    data = RecordCheckInput(**_base(c).model_dump(), **(body.model_dump() | {"finding": body.finding.value}))
    return await _send(s, t, c, claim, ClaimUpdate.RECORD_CHECK, data)


async def record_clawback_repaid(
    s: AsyncSession, t: Client, c: RequestContext, claim: SubsidyClaim, body: ClawbackRepaidRequest
) -> ClaimView:
    data = RecordClawbackRepaidInput(**_base(c).model_dump(), **body.model_dump())
    return await _send(s, t, c, claim, ClaimUpdate.RECORD_CLAWBACK_REPAID, data)
