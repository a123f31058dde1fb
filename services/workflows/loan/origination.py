"""The origination steps of a loan, from pre-loan guidance to disbursement (or withdrawal, rejection), and the
timers of those stages: the idle case's reminder and a registration outcome's deadline. (Registration's own steps
are in `registration`, the working days they and the reminder count in `working_days`.)"""

from __future__ import annotations

from decimal import Decimal

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.base import STEP_RULE_VIOLATION, Recorded
    from contracts.enums import Stage
    from contracts.loan_activities import HoldAssetsInput
    from contracts.loan_state import (
        Application,
        ChecklistTick,
        Closure,
        Decision,
        Disbursement,
        Proposal,
        QualificationReview,
        Reminder,
        Servicing,
        SignOff,
        StepResult,
        ValuationReport,
        Visit,
    )
    from contracts.loan_steps import (
        AcceptValuationInput,
        CloseCaseInput,
        DecideApprovalInput,
        DeclineSignOffInput,
        DisburseLoanInput,
        LogVisitInput,
        ProposeTermsInput,
        ReviewQualificationInput,
        SignOffInput,
        SubmitApplicationInput,
        SubmitValuationInput,
        TickChecklistInput,
    )
    from contracts.names import Activity
    from services.domain import loan_rules
    from services.domain import loan_timers as timers
    from services.domain import servicing as ledgers
    from services.domain.calendar import shanghai_date
    from services.domain.loan_rules import LoanAction
    from services.domain.schedule import maturity_date
from services.workflows.loan.core import ACTIVITY_RETRY, ACTIVITY_TIMEOUT
from services.workflows.loan.registration import RegistrationSteps


class OriginationSteps(RegistrationSteps):
    async def _fire_due_timers(self) -> None:
        async with self._lock:
            now = workflow.now()
            if not self.state.stage.is_open:
                return
            reminder_due = await self._with_calendar(lambda calendar: timers.reminder_due(self.state, calendar))
            for filing in timers.overdue_filings(self.state, now):
                filing.overdue = True
                await self._accepted_by_timer(
                    f"registration-overdue-{filing.asset_id}-{filing.attempt}",
                    "registration_overdue",
                    f"no registration outcome for asset {filing.asset_id} by {filing.deadline} "
                    f"(filed {filing.filed_on})",
                    {"asset_id": filing.asset_id, "deadline": filing.deadline.isoformat()},
                )
            if reminder_due <= now:
                idle_since = shanghai_date(self.state.last_activity_at)
                self.state.reminders.append(
                    Reminder(raised_at=now, idle_since=idle_since, working_days=self.state.config.reminder_working_days)
                )
                await self._accepted_by_timer(
                    f"reminder-{len(self.state.reminders)}",
                    "reminder",
                    f"no visit or activity since {idle_since} ({self.state.config.reminder_working_days} working days)",
                    {"idle_since": idle_since.isoformat()},
                )

    # ---- guidance ---------------------------------------------------------------------------------------------

    @workflow.update
    async def log_visit(self, data: LogVisitInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.LOG_VISIT, data, handler=True)
            fields = data.model_dump(exclude={"actor", "request_id"})
            self.state.visits.append(Visit(**fields, **self._recorded(data)))
            return await self._accepted(
                data, "visit_logged", f"visit at {data.place} on {data.visited_on}: {data.outcome}"
            )

    @log_visit.validator
    def _validate_log_visit(self, data: LogVisitInput) -> None:
        self._check(LoanAction.LOG_VISIT, data)

    @workflow.update
    async def tick_checklist(self, data: TickChecklistInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.TICK_CHECKLIST, data, handler=True)
            self.state.checklist[data.item] = ChecklistTick(item=data.item, note=data.note, **self._recorded(data))
            return await self._accepted(data, "checklist_ticked", f"checklist: {data.item.label}")

    @tick_checklist.validator
    def _validate_tick_checklist(self, data: TickChecklistInput) -> None:
        self._check(LoanAction.TICK_CHECKLIST, data)

    @workflow.update
    async def review_qualification(self, data: ReviewQualificationInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.REVIEW_QUALIFICATION, data, handler=True)
            fields = data.model_dump(exclude={"actor", "request_id"})
            self.state.qualification = QualificationReview(**fields, passed=data.passed, **self._recorded(data))
            verdict = "passed" if data.passed else "not passed"
            return await self._accepted(data, "qualification_reviewed", f"qualification review {verdict}")

    @review_qualification.validator
    def _validate_review_qualification(self, data: ReviewQualificationInput) -> None:
        self._check(LoanAction.REVIEW_QUALIFICATION, data)

    @workflow.update
    async def submit_application(self, data: SubmitApplicationInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.SUBMIT_APPLICATION, data, handler=True)
            try:
                await workflow.execute_activity(
                    Activity.HOLD_ASSETS,
                    HoldAssetsInput(loan_id=self.state.loan_id, asset_ids=[a.id for a in data.assets]),
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )
            except ActivityError as error:
                cause = error.cause
                message = cause.message if isinstance(cause, ApplicationError) else "the assets could not be held"
                raise ApplicationError(message, type=STEP_RULE_VIOLATION, non_retryable=True) from None
            held = [a.id for a in data.assets]
            self._undo.append(lambda: self._release_holds(held))  # if the application cannot be saved
            fields = data.model_dump(exclude={"actor", "request_id"})
            self.state.application = Application(**fields, **self._recorded(data))
            self.state.bank_id = data.bank_id
            self.state.stage = Stage.VALUATION
            return await self._accepted(
                data,
                "application_submitted",
                f"application to {data.bank_id} ({data.product.name}): ¥{data.requested_amount:,.2f}, "
                f"{data.requested_term_months} months, {len(data.assets)} asset(s)",
            )

    @submit_application.validator
    def _validate_submit_application(self, data: SubmitApplicationInput) -> None:
        self._check(LoanAction.SUBMIT_APPLICATION, data)

    # ---- valuation --------------------------------------------------------------------------------------------

    @workflow.update
    async def submit_valuation(self, data: SubmitValuationInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.SUBMIT_VALUATION, data, handler=True)
            fields = data.model_dump(exclude={"actor", "request_id"})
            in_house = self.state.application is not None and self.state.application.valuer_id is None
            self.state.valuations[data.asset_id] = ValuationReport(**fields, in_house=in_house, **self._recorded(data))
            return await self._accepted(
                data, "valuation_submitted", f"valuation {data.report_number}: ¥{data.value:,.2f} ({data.method.value})"
            )

    @submit_valuation.validator
    def _validate_submit_valuation(self, data: SubmitValuationInput) -> None:
        self._check(LoanAction.SUBMIT_VALUATION, data)

    @workflow.update
    async def accept_valuation(self, data: AcceptValuationInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.ACCEPT_VALUATION, data, handler=True)
            self.state.valuation_accepted = Recorded(**self._recorded(data))
            self.state.max_loan = loan_rules.maximum_loan(self.state)
            self.state.stage = Stage.APPROVAL
            return await self._accepted(
                data, "valuation_accepted", f"valuation accepted; maximum loan ¥{self.state.max_loan:,.2f}"
            )

    @accept_valuation.validator
    def _validate_accept_valuation(self, data: AcceptValuationInput) -> None:
        self._check(LoanAction.ACCEPT_VALUATION, data)

    # ---- approval ---------------------------------------------------------------------------------------------

    @workflow.update
    async def propose_terms(self, data: ProposeTermsInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.PROPOSE_TERMS, data, handler=True)
            fields = data.model_dump(exclude={"actor", "request_id"})
            rate = loan_rules.rate_percent(data.lpr_percent, data.spread_bp)
            self.state.proposal = Proposal(**fields, rate_percent=rate, **self._recorded(data))
            self.state.decision = None
            return await self._accepted(
                data,
                "terms_proposed",
                f"proposed ¥{data.amount:,.2f} at {rate}% ({data.term_months} months, {data.repayment_mode.label})",
            )

    @propose_terms.validator
    def _validate_propose_terms(self, data: ProposeTermsInput) -> None:
        self._check(LoanAction.PROPOSE_TERMS, data)

    @workflow.update
    async def decide_approval(self, data: DecideApprovalInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.DECIDE_APPROVAL, data, handler=True)
            self.state.decision = Decision(approved=data.approve, reason=data.reason, **self._recorded(data))
            if data.approve:
                self.state.stage = Stage.REGISTRATION
                self.state.sign_offs = {}
                return await self._accepted(data, "approved", f"approved: {data.reason}")
            self.state.stage = Stage.REJECTED
            self.state.closure = Closure(outcome="rejected", reason=data.reason, **self._recorded(data))
            return await self._accepted(data, "rejected", f"rejected at approval: {data.reason}")

    @decide_approval.validator
    def _validate_decide_approval(self, data: DecideApprovalInput) -> None:
        self._check(LoanAction.DECIDE_APPROVAL, data)

    @workflow.update
    async def sign_off(self, data: SignOffInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.SIGN_OFF, data, handler=True)
            party = self.state.required_sign_offs()[data.actor.org_id]
            self.state.sign_offs[data.actor.org_id] = SignOff(
                org_id=data.actor.org_id,
                party=party,
                contract_number=data.contract_number,
                fee=data.fee,
                **self._recorded(data),
            )
            return await self._accepted(
                data, "signed_off", f"{party} {data.actor.org_id} signed off ({data.contract_number})"
            )

    @sign_off.validator
    def _validate_sign_off(self, data: SignOffInput) -> None:
        self._check(LoanAction.SIGN_OFF, data)

    @workflow.update
    async def decline_sign_off(self, data: DeclineSignOffInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.DECLINE_SIGN_OFF, data, handler=True)
            assert self.state.decision is not None
            self.state.declines.append(Decision(approved=False, reason=data.reason, **self._recorded(data)))
            # Back to approval: the terms must be proposed and approved again (e.g. with another guarantor).
            self.state.stage = Stage.APPROVAL
            self.state.decision = None
            self.state.sign_offs = {}
            return await self._accepted(data, "sign_off_declined", f"{data.actor.org_id} declined: {data.reason}")

    @decline_sign_off.validator
    def _validate_decline_sign_off(self, data: DeclineSignOffInput) -> None:
        self._check(LoanAction.DECLINE_SIGN_OFF, data)

    # ---- disbursement -----------------------------------------------------------------------------------------

    @workflow.update
    async def disburse(self, data: DisburseLoanInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.DISBURSE, data, handler=True)
            proposal = self.state.proposal
            application = self.state.application
            assert proposal is not None
            assert application is not None
            ledger = ledgers.open_ledger(
                proposal.repayment_mode,
                data.amount,
                proposal.rate_percent,
                data.disbursed_on,
                proposal.term_months,
                markup_percent=self.state.config.penalty_markup_percent,
                day_count=application.product.day_count,
            )
            self.state.disbursement = Disbursement(
                contract_number=data.contract_number,
                amount=data.amount,
                disbursed_on=data.disbursed_on,
                voucher=data.voucher,
                maturity_date=maturity_date(data.disbursed_on, proposal.term_months),
                **self._recorded(data),
            )
            self.state.servicing = Servicing(ledger=ledger)
            self.state.stage = Stage.SERVICING
            self._ledger_changed = True
            total_interest = sum((line.interest for line in ledger.lines), start=Decimal(0))
            return await self._accepted(
                data,
                "disbursed",
                f"disbursed ¥{data.amount:,.2f} on {data.disbursed_on} ({data.contract_number}); "
                f"{len(ledger.lines)} repayment line(s), interest ¥{total_interest:,.2f}",
            )

    @disburse.validator
    def _validate_disburse(self, data: DisburseLoanInput) -> None:
        self._check(LoanAction.DISBURSE, data)

    # ---- withdraw / reject ------------------------------------------------------------------------------------

    @workflow.update
    async def withdraw(self, data: CloseCaseInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.WITHDRAW, data, handler=True)
            self.state.closure = Closure(outcome="withdrawn", reason=data.reason, **self._recorded(data))
            self.state.stage = Stage.WITHDRAWN
            return await self._accepted(data, "withdrawn", f"withdrawn: {data.reason}")

    @withdraw.validator
    def _validate_withdraw(self, data: CloseCaseInput) -> None:
        self._check(LoanAction.WITHDRAW, data)

    @workflow.update
    async def reject(self, data: CloseCaseInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.REJECT, data, handler=True)
            self.state.closure = Closure(outcome="rejected", reason=data.reason, **self._recorded(data))
            self.state.stage = Stage.REJECTED
            return await self._accepted(data, "rejected", f"rejected: {data.reason}")

    @reject.validator
    def _validate_reject(self, data: CloseCaseInput) -> None:
        self._check(LoanAction.REJECT, data)
