"""免申即享: claims pledgeflow drafts itself. For every round taking claims, every disbursed loan of its district
whose interest was paid since its last claim: when the policy in force would pay, and pledgeflow holds every
material of the checklist (its own facts, and documents the enterprise gave for an earlier claim), the interest claim
is drafted with all of it and started as a claim workflow waiting for the enterprise's confirmation (意愿确认)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from contracts.base import SYSTEM_ACTOR, Recorded
from contracts.loan_state import LoanState
from contracts.names import Activity
from contracts.subsidy_claim import SUBSIDY_CLAIM_WORKFLOW_NAME, ClaimInput, ClaimRevision, claim_workflow_id
from contracts.subsidy_policy import KindTerms, SubsidyKind
from contracts.types import TRUSTED
from services.domain.subsidy.checklist import check_materials, supplied_reference
from services.domain.subsidy.facts import NotClaimable, Period, interest_paid
from services.store import loans, subsidy_claims, subsidy_policies
from services.store.subsidy_facts import EnterpriseMissing, compute_claim, reusable_documents, terms_of
from services.store.subsidy_tables import SubsidyPolicy, SubsidyRound
from services.store.tables import Loan


def draft_id(round_id: str, loan_id: str, start: date) -> str:
    """One draft per round, loan and period start: a second run of the same day drafts nothing new."""
    return hashlib.sha256(f"draft\n{round_id}\n{loan_id}\ninterest\n{start}".encode()).hexdigest()[:24]


class DraftingActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], client: Client, task_queue: str) -> None:
        self.sessions = sessions
        self.client = client
        self.task_queue = task_queue

    @activity.defn(name=Activity.DRAFT_INTEREST_CLAIMS)
    async def draft_interest_claims(self, day: date) -> int:
        """Draft the interest claims due on `day` (the workflow's date, so a replay asks for the same day); how
        many were started."""
        drafts: list[ClaimInput] = []
        async with self.sessions() as session:
            for found in await subsidy_claims.open_rounds(session, day):
                policy = await subsidy_policies.in_force(session, found.district, day)
                terms = terms_of(policy).kinds.get(SubsidyKind.INTEREST) if policy is not None else None
                if policy is None or terms is None:
                    continue
                for loan in await loans.paying_interest(session, found.district):
                    if any(d.loan_id == loan.id for d in drafts):
                        continue  # drafted into an earlier round of this run: a period is claimed once
                    draft = await self._draft(session, found, policy, terms, loan, day)
                    if draft is not None:
                        drafts.append(draft)
        started = 0
        for data in drafts:
            try:
                await self.client.start_workflow(
                    SUBSIDY_CLAIM_WORKFLOW_NAME,
                    data,
                    id=claim_workflow_id(data.claim_id),
                    task_queue=self.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
                started += 1
            except WorkflowAlreadyStartedError:
                continue  # drafted by an earlier attempt of this day
        return started

    async def _draft(
        self, session: AsyncSession, found: SubsidyRound, policy: SubsidyPolicy, terms: KindTerms, loan: Loan, day: date
    ) -> ClaimInput | None:
        state = LoanState.model_validate(loan.state, context=TRUSTED)
        if state.disbursement is None:
            return None
        last = await subsidy_claims.last_claimed_day(session, loan.id, SubsidyKind.INTEREST.value)
        start = max(
            state.disbursement.disbursed_on, last + timedelta(days=1) if last else state.disbursement.disbursed_on
        )
        if start > day:
            return None
        period = Period(start, day)
        if interest_paid(state, period) <= 0:
            return None
        checked = check_materials(
            terms.materials, await reusable_documents(session, state.enterprise_id), partial(supplied_reference, state)
        )
        if checked.missing:
            return None  # pledgeflow does not hold all of it: the enterprise or its specialist files it
        try:
            computation = await compute_claim(
                session, loan, policy, SubsidyKind.INTEREST, period, None, False, excluding=None
            )
        except (NotClaimable, EnterpriseMissing):
            return None
        if computation.refusals or computation.amount <= 0:
            return None
        revision = ClaimRevision(
            revision=1,
            period_start=period.start,
            period_end=period.end,
            claimed=computation.lines[0].amount,
            materials=checked.links,
            computation=computation,
            filed=Recorded(by=SYSTEM_ACTOR, at=datetime.now(UTC)),
        )
        return ClaimInput(
            claim_id=draft_id(found.id, loan.id, start),
            round_id=found.id,
            district=state.district,
            kind=SubsidyKind.INTEREST,
            loan_id=loan.id,
            enterprise_id=state.enterprise_id,
            enterprise_name=state.enterprise_name,
            station_id=state.station_id,
            bank_id=state.bank_id,
            drafted=True,
            first=revision,
        )
