"""Rounds, filing and the claim as its parties see it. Filing checks everything the database knows (the round's
window, the policy version in force, the loan, the materials, the evidence, overlapping claims) and computes the
amount before the claim's workflow starts; the steps after it go through `steps.py`."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from contracts.base import Recorded, StepInput
from contracts.enums import District, Role
from contracts.subsidy_claim import (
    SUBSIDY_CLAIM_WORKFLOW_NAME,
    ClaimInput,
    ClaimRevision,
    ClaimState,
    ClaimStatus,
    ClaimStepResult,
    ClaimUpdate,
    claim_workflow_id,
)
from contracts.types import TRUSTED
from services.api.dependencies import RequestContext, actor_of
from services.api.documents.service import DocumentNotFound, readable
from services.api.params import BadCursor, make_cursor, read_cursor
from services.api.subsidies.exceptions import NoPolicyInForce, PolicyDateRefused
from services.api.subsidies.service import today
from services.api.subsidy_claims import subjects
from services.api.subsidy_claims.exceptions import (
    ClaimNotEligible,
    ClaimNotFound,
    ClaimOverlaps,
    FilingClosed,
    MaterialsMissing,
    RoundNotFound,
)
from services.api.subsidy_claims.schemas import (
    ClaimEventView,
    ClaimPage,
    ClaimSummary,
    ClaimView,
    FileClaimRequest,
    Materials,
    Turn,
)
from services.api.subsidy_claims.subjects import Subject
from services.api.visibility import scope_of
from services.api.workflow_updates import start_with_update
from services.domain.calendar import calendar_is_official, working_deadline
from services.domain.subsidy import claim_rules
from services.domain.subsidy.checklist import check_materials
from services.domain.subsidy.facts import Period
from services.platform.auth import Principal
from services.platform.settings import ApiSettings
from services.store import subsidy_claims, subsidy_policies
from services.store.subsidy_facts import terms_of
from services.store.subsidy_tables import SubsidyClaim, SubsidyPolicy

# --- the claim as its parties see it ---


async def visible_claim(session: AsyncSession, principal: Principal, claim_id: str) -> SubsidyClaim:
    """The claim, if the caller may see it: the one visibility policy (services/api/visibility), as for loans."""
    claim = await subsidy_claims.get_claim(session, claim_id)
    if claim is None or not scope_of(principal).allows(claim):
        raise ClaimNotFound(claim_id)
    return claim


def summary_of(claim: SubsidyClaim) -> ClaimSummary:
    state = ClaimState.model_validate(claim.state, context=TRUSTED)
    return ClaimSummary(
        id=claim.id,
        round_id=claim.round_id,
        district=state.district,
        kind=state.kind,
        kind_label=state.kind.label,
        loan_id=claim.loan_id,
        enterprise_id=claim.enterprise_id,
        enterprise_name=claim.enterprise_name,
        status=state.status,
        status_label=state.status.label,
        period_start=claim.period_start,
        period_end=claim.period_end,
        claimed=claim.claimed,
        computed=claim.computed,
        approved=claim.approved,
        funded=claim.funded,
        paid=claim.paid,
        filed_at=claim.filed_at,
        updated_at=claim.updated_at,
        review_deadline=claim.review_deadline,
        # Counted from a day of a published year: provisional exactly when it lands in a year not yet published.
        review_deadline_provisional=claim.review_deadline is not None
        and not calendar_is_official(claim.review_deadline),
        overdue=state.status in REVIEWER_TURN and claim.review_deadline is not None and claim.review_deadline < today(),
    )


def actions_of(principal: Principal, state: ClaimState) -> list[str]:
    actor = actor_of(principal)
    found = []
    for step in ClaimUpdate:
        if step is ClaimUpdate.FILED or step in claim_rules.ROUND_STEPS:
            continue
        if claim_rules.not_your_step(actor, state, step) or claim_rules.wrong_status(state, step):
            continue
        if step is ClaimUpdate.CONFIRM_REVIEW and claim_rules.second_reviewer(actor, state):
            continue
        found.append(step.value)
    return found


async def claim_view(
    session: AsyncSession, principal: Principal, claim: SubsidyClaim, state: ClaimState | None = None
) -> ClaimView:
    state = state or ClaimState.model_validate(claim.state, context=TRUSTED)
    events = await subsidy_claims.list_events(session, claim.id)
    return ClaimView(
        **summary_of(claim).model_dump(),
        policy_id=claim.policy_id,
        revisions=state.revisions,
        returns=state.returns,
        proposal=state.proposal,
        approval=state.approval,
        rejection=state.rejection,
        waiting_on=[role.value for role in state.waiting_on()],
        actions=actions_of(principal, state),
        timeline=[
            ClaimEventView(
                kind=e.kind, status=e.status, summary=e.summary, by=e.actor_sub, role=e.actor_role, at=e.occurred_at
            )
            for e in events
        ],
    )


# "Whose turn" (待我处理 / 待企业补正 / 待审核): the statuses each group holds.
_TURNS: dict[str, tuple[ClaimStatus, ...]] = {
    "filer": (ClaimStatus.DRAFTED, ClaimStatus.RETURNED),
    "reviewer": (ClaimStatus.FILED, ClaimStatus.ACCEPTED, ClaimStatus.PROPOSED),
}


def _turn(turn: Turn | None, role: Role) -> tuple[str, ...]:
    if turn is None:
        return ()
    if turn == "overdue":
        return tuple(s.value for s in REVIEWER_TURN)
    if turn == "mine":
        turn = "reviewer" if role in claim_rules.REVIEWERS else "filer"
    return tuple(s.value for s in _TURNS[turn])


def _cursor(claim: SubsidyClaim) -> str:
    """Where the next page starts (the API's opaque cursors: services/api/params.make_cursor)."""
    return make_cursor(claim.updated_at.astimezone(UTC).isoformat(), claim.id)


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    parts = read_cursor(cursor, 2)
    if parts is None:
        return None
    try:
        moment = datetime.fromisoformat(parts[0])
    except ValueError as error:
        raise BadCursor() from error
    if moment.tzinfo is None:  # every cursor given out names its moment in UTC
        raise BadCursor()
    return moment, parts[1]


async def list_claims(
    session: AsyncSession,
    principal: Principal,
    flt: subsidy_claims.ClaimFilter,
    turn: Turn | None,
    cursor: str | None,
    limit: int,
) -> ClaimPage:
    """A page of the claims the caller may see (the one visibility policy), latest activity first."""
    flt = replace(flt, statuses=_turn(turn, principal.role), due_before=today() if turn == "overdue" else None)
    rows = await subsidy_claims.list_claims(session, flt, scope_of(principal), after=_after(cursor), limit=limit + 1)
    items = [summary_of(row) for row in rows[:limit]]
    return ClaimPage(items=items, next_cursor=_cursor(rows[limit - 1]) if len(rows) > limit else None)


# --- filing ---


async def revision_of(
    session: AsyncSession,
    principal: Principal,
    subject: Subject,
    policy: SubsidyPolicy,
    body: Materials,
    number: int,
    recorded: Recorded,
    *,
    excluding: str | None = None,
) -> ClaimRevision:
    """The filer's statement checked against what pledgeflow holds, and its amount computed under `policy`."""
    kind = subject.kind
    kind_terms = terms_of(policy).kinds.get(kind)
    if kind_terms is None:
        raise ClaimNotEligible(f"The policy {policy.id} does not support {kind.label} ({kind.value}).")
    day = today()
    default_start, earliest = subject.first_day(day)
    period = Period(body.period_start or default_start, body.period_end or day)
    if period.end > day or period.start > period.end or (earliest is not None and period.start < earliest):
        since = f"the disbursement ({earliest})" if earliest is not None else "its start"
        raise PolicyDateRefused(f"The period is to lie between {since} and today ({day}), its start not after its end.")
    if earliest is None and (period.end - period.start).days > 366:
        raise PolicyDateRefused("A claim covers at most a year: split a longer period into yearly claims.")
    checked = check_materials(kind_terms.materials, body.documents, await subjects.held_for(session, subject, period))
    if checked.unknown:
        raise MaterialsMissing(f"The checklist of {kind.label} has no material {', '.join(checked.unknown)}.")
    for code, document_id in body.documents.items():
        try:
            document = await readable(session, principal, document_id)
        except DocumentNotFound:
            raise MaterialsMissing(f"{code}: there is no document {document_id} that you can use.") from None
        if document.enterprise_id not in (None, subject.enterprise_id):
            raise MaterialsMissing(f"{code}: the document {document_id} belongs to another enterprise.")
    if checked.missing:
        raise MaterialsMissing(f"Materials are missing: {'; '.join(checked.missing)}.")
    computation = await subjects.computed(
        session, subject, policy, period, body.claimed, body.other_subsidy, excluding=excluding
    )
    if computation.refusals:
        raise ClaimNotEligible(f"The claim does not meet the policy {policy.id}: {'; '.join(computation.refusals)}.")
    return ClaimRevision(
        revision=number,
        period_start=period.start,
        period_end=period.end,
        claimed=body.claimed if body.claimed is not None else computation.lines[0].amount,
        other_subsidy=body.other_subsidy,
        materials=checked.links,
        computation=computation,
        filed=recorded,
    )


# The statuses in which a claim waits for the district's review.
REVIEWER_TURN = (ClaimStatus.FILED, ClaimStatus.ACCEPTED, ClaimStatus.PROPOSED)


def review_due(policy: SubsidyPolicy, start: date, used: int = 0) -> date:
    """The day the district's review is due: the policy's working days from `start`, less those already used."""
    return working_deadline(start, max(terms_of(policy).review_working_days - used, 0)).day


async def file_claim(
    session: AsyncSession, temporal: Client, context: RequestContext, settings: ApiSettings, body: FileClaimRequest
) -> ClaimView:
    principal = context.principal
    found = await subsidy_claims.get_round(session, body.round_id)
    if found is None:
        raise RoundNotFound(f"There is no claim round {body.round_id!r}.")
    subject = await subjects.for_filing(session, principal, body, found.district)
    if found.district != subject.district:
        raise RoundNotFound(f"The round {found.id} is {found.district}'s; the loan is filed in {subject.district}.")
    day = today()
    if not found.filing_opens <= day <= found.filing_closes:
        raise FilingClosed(
            f"The round takes claims from {found.filing_opens} to {found.filing_closes}; today is {day}."
        )
    policy = await subsidy_policies.in_force(session, found.district, day)
    if policy is None:
        raise NoPolicyInForce(f"No subsidy policy is in force today ({day}).")
    claim_id = context.derived_id("claim", 24)
    recorded = Recorded(by=actor_of(principal), at=datetime.now(UTC), request_id=context.request_id)
    first = await revision_of(session, principal, subject, policy, body, 1, recorded)
    overlap = await subsidy_claims.overlapping(
        session, subject.claimant, body.kind.value, first.period_start, first.period_end
    )
    if overlap is not None and overlap.id != claim_id:
        raise ClaimOverlaps(
            f"Claim {overlap.id} already covers {overlap.period_start} – {overlap.period_end} for "
            f"{subject.name}'s {body.kind.label}: a period is claimed once."
        )
    data = ClaimInput(
        claim_id=claim_id,
        round_id=found.id,
        district=District(found.district),
        kind=body.kind,
        loan_id=subject.loan.id if subject.loan is not None else None,
        enterprise_id=subject.enterprise_id,
        enterprise_name=subject.name,
        station_id=subject.station_id,
        bank_id=subject.bank_id,
        first=first,
        review_deadline=review_due(policy, day),
    )
    await session.commit()  # release the connection while the workflow starts
    await _start(temporal, context, settings, data)
    claim = await subsidy_claims.get_claim(session, claim_id)
    if claim is None:
        raise ClaimNotFound(claim_id)
    return await claim_view(session, principal, claim)


async def _start(temporal: Client, context: RequestContext, settings: ApiSettings, data: ClaimInput) -> ClaimStepResult:
    start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
        SUBSIDY_CLAIM_WORKFLOW_NAME,
        data,
        id=claim_workflow_id(data.claim_id),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,  # a retry with the same key joins its claim
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
    step = StepInput(actor=actor_of(context.principal), request_id=context.request_id)
    return await start_with_update(
        temporal, context, start, ClaimUpdate.FILED.value, (step,), ClaimStepResult, what="claim", verb="filed"
    )
