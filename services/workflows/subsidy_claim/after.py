"""The claim's steps after approval: the public notice (its end by a durable timer; a written, named objection
sends the claim back to review), the funding plan, the payment, and supervision (a check due at each next quarter
end; a finding closes it or orders a clawback)."""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.base import (
        SYSTEM_ACTOR,
        Recorded,
    )
    from contracts.subsidy_claim import (
        ClaimStatus,
        ClaimStepResult,
        ClaimUpdate,
        Funding,
        Notice,
        Objection,
        RecordCheckInput,
        RecordClawbackRepaidInput,
        RecordObjectionInput,
        RecordPaymentInput,
        SetFundingInput,
        StartNoticeInput,
        SubsidyPayment,
        SupervisionCheck,
    )
    from services.domain.calendar import end_of_day, shanghai_date
    from services.domain.subsidy import claim_rules
from services.workflows.subsidy_claim.core import INSTANT, ClaimCore

# The statuses in which the claim waits for the district's review (its working-day clock runs).
REVIEWER_TURN = (ClaimStatus.FILED, ClaimStatus.ACCEPTED, ClaimStatus.PROPOSED)


class AfterApproval(ClaimCore):
    def _review_due_ahead(self) -> bool:
        """The claim waits for the district, with a due day not yet reminded."""
        due = self.state.review_deadline
        return self.state.status in REVIEWER_TURN and due is not None and due not in self.state.review_reminded

    async def _until_review_due(self) -> None:
        """The reviewer's working-day limit: at the end of the due day, if the claim still waits for the district,
        a reminder (`review_overdue` on its timeline; the list's `turn=overdue`)."""
        due = self.state.review_deadline
        assert due is not None
        remaining = end_of_day(due) - workflow.now()
        try:
            await workflow.wait_condition(
                lambda: self.state.review_deadline != due or self.state.status not in REVIEWER_TURN,
                timeout=max(remaining, INSTANT),
            )
        except TimeoutError:
            async with self._lock:
                if self.state.review_deadline == due and self.state.status in REVIEWER_TURN:
                    self.state.review_reminded.append(due)
                    system = Recorded(by=SYSTEM_ACTOR, at=workflow.now())
                    summary = f"the district's review was due by {due}: overdue"
                    await self._persist(f"review-overdue-{due}", "review_overdue", summary, system, None, give_up=None)

    def _check_ahead(self) -> bool:
        return self.state.status is ClaimStatus.PAID and self.state.next_check_on is not None

    async def _until_check(self) -> None:
        """跟踪监管: wait for the end of the next check's day (a durable timer), then say the check is due; a check
        recorded sooner moves or ends the wait."""
        due = self.state.next_check_on
        assert due is not None
        remaining = end_of_day(due) - workflow.now()
        try:
            await workflow.wait_condition(
                lambda: self.state.next_check_on != due or self.state.status is not ClaimStatus.PAID,
                timeout=max(remaining, INSTANT),
            )
        except TimeoutError:
            async with self._lock:
                if self.state.next_check_on == due and self.state.status is ClaimStatus.PAID:
                    self.state.status = ClaimStatus.CHECK_DUE
                    system = Recorded(by=SYSTEM_ACTOR, at=workflow.now())
                    await self._persist(
                        f"check-due-{due}", "check_due", f"follow-up check due on {due}", system, None, give_up=None
                    )

    async def _through_notice(self) -> None:
        """Wait for the end of the notice's last working day (a durable timer); an objection ends the notice
        sooner (the claim goes back to review), else the notice ends and the claim waits for the funding plan."""
        notice = self.state.notice
        assert notice is not None
        remaining = end_of_day(notice.ends_on) - workflow.now()
        try:
            await workflow.wait_condition(lambda: self.state.notice is not notice, timeout=max(remaining, INSTANT))
        except TimeoutError:
            async with self._lock:
                if self.state.notice is notice and self.state.status is ClaimStatus.IN_NOTICE:
                    self.state.status = ClaimStatus.NOTICED
                    summary = f"public notice ended on {notice.ends_on} without objection"
                    system = Recorded(by=SYSTEM_ACTOR, at=workflow.now())
                    await self._persist(
                        f"notice-ended-{notice.ends_on}", "notice_ended", summary, system, None, give_up=None
                    )

    @workflow.update
    async def start_notice(self, data: StartNoticeInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_start_notice(data)
            self.state.notice = Notice(
                **self._recorded(data).model_dump(),
                published_on=data.published_on,
                ends_on=data.ends_on,
                provisional=data.provisional,
            )
            summary = f"on public notice from {data.published_on} to {data.ends_on}"
            return await self._step(data, "notice_started", summary, ClaimStatus.IN_NOTICE)

    @start_notice.validator
    def _validate_start_notice(self, data: StartNoticeInput) -> None:
        self._check(ClaimUpdate.START_NOTICE, data)
        today = shanghai_date(workflow.now())
        approval = self.state.approval
        assert approval is not None
        approved_on = shanghai_date(approval.at)
        self._rule(claim_rules.notice_problem(data.published_on, data.ends_on, today, approved_on))

    @workflow.update
    async def record_objection(self, data: RecordObjectionInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_record_objection(data)
            fields = data.model_dump(exclude={"actor", "request_id"})
            self.state.objections.append(Objection(**self._recorded(data).model_dump(), **fields))
            assert self.state.notice is not None
            self.state.notices.append(self.state.notice)
            self.state.notice = None
            self.state.approval = None
            self.state.proposal = None
            summary = f"written objection by {data.objector} received on {data.received_on}: back to review"
            return await self._step(data, "objection_received", summary, ClaimStatus.ACCEPTED)

    @record_objection.validator
    def _validate_record_objection(self, data: RecordObjectionInput) -> None:
        self._check(ClaimUpdate.RECORD_OBJECTION, data)
        notice = self.state.notice
        assert notice is not None
        self._rule(claim_rules.objection_problem(data.objector, data.received_on, notice.published_on, notice.ends_on))

    @workflow.update
    async def set_funding(self, data: SetFundingInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_set_funding(data)
            self.state.funding = Funding(**self._recorded(data).model_dump(), plan_id=data.plan_id, amount=data.amount)
            approved = self.state.approved_amount
            cut = f" (cut from ¥{approved:,.2f})" if approved is not None and data.amount < approved else ""
            summary = f"in the funding plan of {data.plan_id}: ¥{data.amount:,.2f}{cut}"
            return await self._step(data, "funded", summary, ClaimStatus.FUNDED)

    @set_funding.validator
    def _validate_set_funding(self, data: SetFundingInput) -> None:
        self._check(ClaimUpdate.SET_FUNDING, data)
        approved = self.state.approved_amount or Decimal(0)
        self._rule(
            None
            if data.amount <= approved
            else f"the plan's ¥{data.amount:,.2f} is above the approved ¥{approved:,.2f}"
        )

    @workflow.update
    async def record_payment(self, data: RecordPaymentInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_record_payment(data)
            fields = data.model_dump(exclude={"actor", "request_id"})
            self.state.payment = SubsidyPayment(**self._recorded(data).model_dump(), **fields)
            self.state.next_check_on = claim_rules.next_quarter_end(data.paid_on)
            summary = f"paid ¥{data.amount:,.2f} on {data.paid_on} ({data.voucher})"
            return await self._step(data, "paid", summary, ClaimStatus.PAID)

    @record_payment.validator
    def _validate_record_payment(self, data: RecordPaymentInput) -> None:
        self._check(ClaimUpdate.RECORD_PAYMENT, data)
        funding = self.state.funding
        assert funding is not None
        today = shanghai_date(workflow.now())
        self._rule(
            claim_rules.payment_problem(data.amount, funding.amount, data.paid_on, shanghai_date(funding.at), today)
        )

    @workflow.update
    async def record_check(self, data: RecordCheckInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_record_check(data)
            fields = data.model_dump(exclude={"actor", "request_id"})
            self.state.checks.append(SupervisionCheck(**self._recorded(data).model_dump(), **fields))
            if data.finding == "clawback":
                self.state.next_check_on = None
                assert data.amount is not None
                summary = f"clawback ordered: ¥{data.amount:,.2f} by {data.deadline} — {data.note}"
                return await self._step(data, "clawback_ordered", summary, ClaimStatus.CLAWBACK)
            if data.closes:
                self.state.next_check_on = None
                return await self._step(
                    data,
                    "supervision_closed",
                    f"checked on {data.checked_on}: {data.note}; supervision closed",
                    ClaimStatus.CLOSED,
                )
            self.state.next_check_on = claim_rules.next_quarter_end(data.checked_on)
            summary = f"checked on {data.checked_on}: {data.note}; next check {self.state.next_check_on}"
            return await self._step(data, "checked", summary, ClaimStatus.PAID)

    @record_check.validator
    def _validate_record_check(self, data: RecordCheckInput) -> None:
        self._check(ClaimUpdate.RECORD_CHECK, data)
        payment = self.state.payment
        assert payment is not None
        today = shanghai_date(workflow.now())
        self._rule(
            claim_rules.check_problem(
                data.finding, data.amount, data.deadline, data.checked_on, payment.amount, payment.paid_on, today
            )
        )

    @workflow.update
    async def record_clawback_repaid(self, data: RecordClawbackRepaidInput) -> ClaimStepResult:
        async with self._taking():
            self._validate_record_clawback_repaid(data)
            self.state.clawback_repaid = SubsidyPayment(
                **self._recorded(data).model_dump(), amount=data.amount, paid_on=data.repaid_on, voucher=data.voucher
            )
            summary = f"clawback repaid: ¥{data.amount:,.2f} on {data.repaid_on} ({data.voucher})"
            return await self._step(data, "clawback_repaid", summary, ClaimStatus.CLOSED)

    @record_clawback_repaid.validator
    def _validate_record_clawback_repaid(self, data: RecordClawbackRepaidInput) -> None:
        self._check(ClaimUpdate.RECORD_CLAWBACK_REPAID, data)
        ordered = self.state.checks[-1]
        assert ordered.amount is not None
        self._rule(
            None
            if data.amount == ordered.amount
            else f"the clawback ordered ¥{ordered.amount:,.2f}; ¥{data.amount:,.2f} does not settle it"
        )
        today = shanghai_date(workflow.now())
        self._rule(
            None
            if ordered.checked_on <= data.repaid_on <= today
            else "the repayment date is to lie between the order and today"
        )
