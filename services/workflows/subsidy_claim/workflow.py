"""`SubsidyClaimWorkflow` (id `subsidy-claim-<claim id>`): one subsidy claim, from filing to the end of its
supervision.

Started by the API at filing (update-with-start: `claim_filed` answers once the filing is written), or drafted by
pledgeflow for 免申即享 and then confirmed. Each step is an Update with a validator, persisted after acceptance by
an idempotent activity: the claim's row, its timeline event and its audit record, written once. The rules are in
services/domain/subsidy/claim_rules.py; validator and handler both check them. The class is composed of mixins
(Temporal collects updates from base classes): `core` (state, lock, writes), `review` (filing to approval), `after`
(notice, funding, payment, supervision). This file holds the run loop (the notice's and the checks' timers) and the
query. The update handlers are named as contracts.subsidy_claim.ClaimUpdate says (a test checks they agree)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.subsidy_claim import (
        SUBSIDY_CLAIM_WORKFLOW_NAME,
        ClaimInput,
        ClaimState,
        ClaimStatus,
    )
from services.workflows.subsidy_claim.after import AfterApproval
from services.workflows.subsidy_claim.review import ReviewSteps


@workflow.defn(name=SUBSIDY_CLAIM_WORKFLOW_NAME)
class SubsidyClaimWorkflow(ReviewSteps, AfterApproval):
    @workflow.init
    def __init__(self, data: ClaimInput) -> None:
        self._setup(data)

    @workflow.run
    async def run(self, data: ClaimInput) -> ClaimState:
        first = data.first
        kind, words = ("drafted", "drafted by pledgeflow (免申即享)") if data.drafted else ("filed", "filed")
        summary = f"{data.kind.value} claim {words}: ¥{first.claimed:,.2f} for {first.period_start}–{first.period_end}"
        async with self._lock:  # a step sent before the filing is written waits for it
            await self._persist(f"{kind}-{data.claim_id}", kind, summary, first.filed, None, give_up=None)
        self._opened_written = True
        while not self.state.status.is_final:
            await workflow.wait_condition(
                lambda: (
                    self.state.status.is_final
                    or self.state.status is ClaimStatus.IN_NOTICE
                    or self._check_ahead()
                    or self._review_due_ahead()
                )
            )
            if self.state.status is ClaimStatus.IN_NOTICE:
                await self._through_notice()
            elif self._check_ahead():
                await self._until_check()
            elif self._review_due_ahead():
                await self._until_review_due()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    @workflow.query
    def get_state(self) -> ClaimState:
        return self.state
