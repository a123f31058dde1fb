"""`SubsidyClaimWorkflow` (id `subsidy-claim-<claim id>`): one subsidy claim, from filing to the reviewers' decision.

Started by the API at filing (or drafted by pledgeflow for 免申即享, then confirmed by the enterprise or its
specialist). Each step is an Update with a validator, persisted after acceptance by an idempotent activity
(services/workflows/persistence.py): the claim's row, its timeline event and its audit record, written once. The
rules are in services/domain/subsidy/claim_rules.py; both the validator and the handler check them (see there).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.base import STEP_NOT_YOUR_STEP, STEP_RULE_VIOLATION, STEP_WRONG_STAGE, Recorded, StepInput
    from contracts.names import Activity
    from contracts.subsidy_claim import (
        SUBSIDY_CLAIM_WORKFLOW_NAME,
        AcceptClaimInput,
        ClaimDecision,
        ClaimEventRecord,
        ClaimInput,
        ClaimReturn,
        ClaimState,
        ClaimStatus,
        ClaimStepResult,
        ClaimUpdate,
        ConfirmClaimInput,
        ConfirmReviewInput,
        CorrectClaimInput,
        ProposeAmountInput,
        RecordClaimStepInput,
        RejectClaimInput,
        ReturnClaimInput,
        ReviewProposal,
    )
    from contracts.types import TRUSTED
    from services.domain.digest import payload_digest
    from services.domain.subsidy import claim_rules
    from services.workflows.persistence import NotSaved, persist

STEP_GIVE_UP = timedelta(minutes=10)
# The update handlers are named as contracts.subsidy_claim.ClaimUpdate says (a test checks they agree).


@workflow.defn(name=SUBSIDY_CLAIM_WORKFLOW_NAME)
class SubsidyClaimWorkflow:
    @workflow.init
    def __init__(self, data: ClaimInput) -> None:
        self.state = ClaimState(
            **data.model_dump(exclude={"drafted", "first"}),
            status=ClaimStatus.DRAFTED if data.drafted else ClaimStatus.FILED,
            revisions=[data.first],
        )
        self._lock = asyncio.Lock()
        self._opened_written = False

    @workflow.run
    async def run(self, data: ClaimInput) -> ClaimState:
        first = data.first
        kind, words = ("drafted", "drafted by pledgeflow (免申即享)") if data.drafted else ("filed", "filed")
        summary = f"{data.kind.value} claim {words}: ¥{first.claimed:,.2f} for {first.period_start}–{first.period_end}"
        async with self._lock:  # a step sent before the filing is written waits for it
            await self._persist(f"{kind}-{data.claim_id}", kind, summary, first.filed, None, give_up=None)
        self._opened_written = True
        await workflow.wait_condition(lambda: self.state.status.is_final)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    @workflow.query
    def get_state(self) -> ClaimState:
        return self.state

    # --- the rules, checked by validator and handler alike ---

    def _check(self, step: ClaimUpdate, data: StepInput) -> None:
        who = claim_rules.not_your_step(data.actor, self.state, step)
        if who is not None:
            raise ApplicationError(who, type=STEP_NOT_YOUR_STEP, non_retryable=True)
        wrong = claim_rules.wrong_status(self.state, step)
        if wrong is not None:
            raise ApplicationError(wrong, type=STEP_WRONG_STAGE, non_retryable=True)

    @staticmethod
    def _rule(problem: str | None) -> None:
        if problem is not None:
            raise ApplicationError(problem, type=STEP_RULE_VIOLATION, non_retryable=True)

    # --- persistence ---

    async def _persist(
        self,
        key: str,
        kind: str,
        summary: str,
        recorded: Recorded,
        data: dict[str, Any] | None,
        *,
        give_up: timedelta | None = STEP_GIVE_UP,
    ) -> None:
        self.state.step_count += 1
        event = ClaimEventRecord(
            key=key,
            kind=kind,
            summary=summary,
            actor=recorded.by,
            at=recorded.at,
            request_id=recorded.request_id,
            payload_digest=payload_digest(data or {}),
            data=data,
        )
        await persist(
            Activity.RECORD_CLAIM_STEP, RecordClaimStepInput(state=self.state, event=event), bool, give_up=give_up
        )

    @asynccontextmanager
    async def _taking(self) -> AsyncIterator[None]:
        """A step under the claim's lock, after the filing is written; if its write fails for good, the claim is put
        back as it was and the step fails with a clear error (nothing of it was written)."""
        await workflow.wait_condition(lambda: self._opened_written)
        async with self._lock:
            before = self.state.model_dump_json()
            try:
                yield
            except NotSaved as error:
                self.state = ClaimState.model_validate_json(before, context=TRUSTED)
                raise ApplicationError(error.message, type=error.kind, non_retryable=True) from None

    async def _step(self, data: StepInput, kind: str, summary: str, status: ClaimStatus) -> ClaimStepResult:
        self.state.status = status
        info = workflow.current_update_info()
        key = info.id if info is not None else f"{kind}-{self.state.step_count + 1}"
        body = data.model_dump(mode="json", exclude={"actor", "request_id"})
        await self._persist(key, kind, summary, self._recorded(data), body)
        return ClaimStepResult(event=kind, state=self.state)

    @staticmethod
    def _recorded(data: StepInput) -> Recorded:
        return Recorded(by=data.actor, at=workflow.now(), request_id=data.request_id)

    # --- steps ---

    @workflow.update
    async def claim_filed(self, data: StepInput) -> ClaimStepResult:  # noqa: ARG002  the update's wire payload
        """Sent with the start (update-with-start): answers once the filing is written, with the claim."""
        await workflow.wait_condition(lambda: self._opened_written)
        return ClaimStepResult(event=self.state.status.value, state=self.state)

    @workflow.update
    async def confirm_claim(self, data: ConfirmClaimInput) -> ClaimStepResult:
        async with self._taking():
            self._check(ClaimUpdate.CONFIRM, data)
            self.state.confirmed = self._recorded(data)
            return await self._step(
                data, "confirmed", "the enterprise confirmed the claim (意愿确认)", ClaimStatus.FILED
            )

    @confirm_claim.validator
    def _validate_confirm(self, data: ConfirmClaimInput) -> None:
        self._check(ClaimUpdate.CONFIRM, data)

    @workflow.update
    async def accept_claim(self, data: AcceptClaimInput) -> ClaimStepResult:
        async with self._taking():
            self._check(ClaimUpdate.ACCEPT, data)
            self.state.accepted = self._recorded(data)
            return await self._step(data, "accepted", "claim accepted for review (受理)", ClaimStatus.ACCEPTED)

    @accept_claim.validator
    def _validate_accept(self, data: AcceptClaimInput) -> None:
        self._check(ClaimUpdate.ACCEPT, data)

    @workflow.update
    async def return_claim(self, data: ReturnClaimInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_return(data)
            self.state.returns.append(
                ClaimReturn(**self._recorded(data).model_dump(), reason=data.reason, items=data.items)
            )
            self.state.accepted = None
            summary = f"returned for correction (补正): {data.reason} — {', '.join(data.items)}"
            return await self._step(data, "returned", summary, ClaimStatus.RETURNED)

    @return_claim.validator
    def _validate_return(self, data: ReturnClaimInput) -> None:
        self._check(ClaimUpdate.RETURN, data)
        unknown = claim_rules.unknown_items(self.state, data.items)
        self._rule(f"the claim has no material {', '.join(unknown)}" if unknown else None)

    @workflow.update
    async def correct_claim(self, data: CorrectClaimInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_correct(data)
            self.state.revisions.append(data.revision)
            summary = f"corrected (revision {data.revision.revision}): ¥{data.revision.claimed:,.2f}"
            return await self._step(data, "corrected", summary, ClaimStatus.FILED)

    @correct_claim.validator
    def _validate_correct(self, data: CorrectClaimInput) -> None:
        self._check(ClaimUpdate.CORRECT, data)
        expected = len(self.state.revisions) + 1
        self._rule(
            None
            if data.revision.revision == expected
            else f"this correction is revision {expected}, not {data.revision.revision}"
        )

    @workflow.update
    async def propose_amount(self, data: ProposeAmountInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_propose(data)
            self.state.proposal = ReviewProposal(
                **self._recorded(data).model_dump(),
                amount=data.amount,
                reason=data.reason,
                computation=data.computation,
            )
            summary = f"amount proposed: ¥{data.amount:,.2f}" + (f" ({data.reason})" if data.reason else "")
            return await self._step(data, "amount_proposed", summary, ClaimStatus.PROPOSED)

    @propose_amount.validator
    def _validate_propose(self, data: ProposeAmountInput) -> None:
        self._check(ClaimUpdate.PROPOSE, data)
        computed = data.computation
        self._rule(claim_rules.proposal_problem(data.amount, computed.amount, computed.refusals, data.reason))

    @workflow.update
    async def confirm_review(self, data: ConfirmReviewInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_confirm_review(data)
            decision = ClaimDecision(**self._recorded(data).model_dump(), reason=data.reason)
            if data.agree:
                self.state.approval = decision
                assert self.state.proposal is not None
                summary = f"approved by a second reviewer: ¥{self.state.proposal.amount:,.2f}"
                return await self._step(data, "approved", summary, ClaimStatus.APPROVED)
            self.state.disagreements.append(decision)
            self.state.proposal = None
            summary = f"the second reviewer disagreed: {data.reason}"
            return await self._step(data, "review_disagreed", summary, ClaimStatus.ACCEPTED)

    @confirm_review.validator
    def _validate_confirm_review(self, data: ConfirmReviewInput) -> None:
        self._check(ClaimUpdate.CONFIRM_REVIEW, data)
        self._rule(claim_rules.second_reviewer(data.actor, self.state))
        self._rule(None if data.agree or (data.reason or "").strip() else "a disagreement needs its reason")

    @workflow.update
    async def reject_claim(self, data: RejectClaimInput) -> ClaimStepResult:
        async with self._taking():
            self._check(ClaimUpdate.REJECT, data)
            self.state.rejection = ClaimDecision(**self._recorded(data).model_dump(), reason=data.reason)
            return await self._step(data, "rejected", f"rejected: {data.reason}", ClaimStatus.REJECTED)

    @reject_claim.validator
    def _validate_reject(self, data: RejectClaimInput) -> None:
        self._check(ClaimUpdate.REJECT, data)
