"""The claim's steps from filing to the reviewers' decision: 意愿确认 of a drafted claim, 受理 or 补正 and the
correction, the amount proposed and confirmed by a second reviewer (four eyes), rejection."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.base import (
        StepInput,
    )
    from contracts.subsidy_claim import (
        AcceptClaimInput,
        ClaimDecision,
        ClaimReturn,
        ClaimStatus,
        ClaimStepResult,
        ClaimUpdate,
        ConfirmClaimInput,
        ConfirmReviewInput,
        CorrectClaimInput,
        ProposeAmountInput,
        RejectClaimInput,
        ReturnClaimInput,
        ReviewProposal,
    )
    from services.domain.calendar import shanghai_date
    from services.domain.subsidy import claim_rules
from services.workflows.subsidy_claim.core import ClaimCore


class ReviewSteps(ClaimCore):
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
            self.state.review_deadline = data.review_deadline
            self.state.review_clock_from = shanghai_date(workflow.now())
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
            self.state.review_deadline = data.review_deadline
            self.state.review_days_used = data.review_days_used
            self.state.review_clock_from = shanghai_date(workflow.now())
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
