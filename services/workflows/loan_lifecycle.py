"""`LoanLifecycleWorkflow`: one durable workflow per loan, from pre-loan guidance to its last day.

Each step is a Workflow Update whose validator applies `services.domain.loan_rules` (wrong stage, wrong party,
rule violation) before anything is written to history. An accepted step changes the state, then an activity
writes it to PostgreSQL (read model, timeline, audit) keyed by the update id, so a retried activity writes once.

Before disbursement, timers raise an inactivity reminder and flag a registration whose outcome is overdue.
After it (servicing), one durable timer at a time waits for the next moment something can change: a due-date
reminder, a due date, the day the loan would enter the next tier, the day the guarantor must be asked to
compensate, a release deadline, a trademark pledge's extension reminder. No cron, no polling. A loan that runs
for years continues as new (after its handlers finish) before its history grows large, carrying its state.
Default starts a `DisposalWorkflow` child (abandoned on close, so it survives continue-as-new), which signals
the loan when the pledged IP is sold and released.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from contracts.disposal import DISPOSAL_WORKFLOW_NAME, DisposalInput, disposal_workflow_id
    from contracts.enums import RiskTier, Role, Stage
    from contracts.loans import (
        LOAN_WORKFLOW_NAME,
        STEP_RULE_VIOLATION,
        AcceptValuationInput,
        Actor,
        Application,
        AuthorityFilingInput,
        AuthorityReceipt,
        ChecklistTick,
        CloseCaseInput,
        Closure,
        CompensationInput,
        DecideApprovalInput,
        Decision,
        DeclareDefaultInput,
        DeclineSignOffInput,
        DisburseInput,
        Disbursement,
        DisposalOutcome,
        DowngradeInput,
        ExtensionInput,
        FileRegistrationInput,
        FileReleaseInput,
        Filing,
        HoldAssetsInput,
        LoanEventRecord,
        LoanState,
        LogVisitInput,
        OpenLoanInput,
        Payment,
        PrepaymentInput,
        Proposal,
        ProposeTermsInput,
        QualificationReview,
        QualificationReviewInput,
        Recorded,
        RecordLoanStepInput,
        RegistrationOutcomeInput,
        Release,
        ReleaseOutcomeInput,
        Reminder,
        RepaymentInput,
        ScheduleLineModel,
        Servicing,
        SignOff,
        SignOffInput,
        StepInput,
        StepResult,
        SubmitApplicationInput,
        SubmitValuationInput,
        TickChecklistInput,
        TierChange,
        ValuationReport,
        Visit,
        WriteOffInput,
    )
    from contracts.notifications import WEBHOOK_WORKFLOW_NAME, DeliverInput, NotificationKind, NotifyInput
    from contracts.servicing import Allocation
    from contracts.types import TRUSTED
    from services.domain import loan_rules
    from services.domain import servicing as ledgers
    from services.domain.calendar import add_working_days, end_of_day, shanghai_date
    from services.domain.loan_rules import LoanAction, StepRejected
    from services.domain.schedule import maturity_date
    from services.store.audit import payload_digest
    from services.workflows.persistence import NotSaved, after_acceptance, persist

STAGE_KEY = SearchAttributeKey.for_keyword("PledgeflowStage")
DISTRICT_KEY = SearchAttributeKey.for_keyword("PledgeflowDistrict")
BANK_KEY = SearchAttributeKey.for_keyword("PledgeflowBank")

# Persisting a step is a few short statements; a worker that dies mid-activity is retried after this.
ACTIVITY_TIMEOUT = timedelta(seconds=10)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
OPEN_STAGES_CONTINUE_AS_NEW = "open-stages-continue-as-new"
STRICTER_STEP_RULES = "stricter-step-rules"
SYSTEM = Actor(sub="pledgeflow", role=Role.PLATFORM_ADMIN, org_id="pledgeflow")


def _rejected(error: StepRejected) -> ApplicationError:
    return ApplicationError(error.message, type=error.kind, non_retryable=True)


def start_of(day: date) -> datetime:
    """The first instant of `day` in Shanghai."""
    return end_of_day(day - timedelta(days=1))


def _seconds_until(moment: datetime | None) -> float | None:
    return max((moment - workflow.now()).total_seconds(), 0.001) if moment else None


@workflow.defn(name=LOAN_WORKFLOW_NAME)
class LoanLifecycleWorkflow:
    @workflow.init
    def __init__(self, data: OpenLoanInput) -> None:
        self._input = data
        self._lock = asyncio.Lock()
        self._changed = False
        self._opened_persisted = data.resume is not None
        self._indexed: tuple[str, str, str | None] | None = None
        self._ledger_changed = False
        # While an update's step runs (`_step`): events it causes besides its own (written with it, in one
        # transaction), what must wait until it is written (webhooks, the disposal child), and what undoes the
        # side effects it had before its write (assets held) if the write fails for good.
        self._in_step = False
        self._earlier_events: list[LoanEventRecord] = []
        self._after_write: list[Callable[[], Awaitable[None]]] = []
        self._undo: list[Callable[[], Awaitable[None]]] = []
        if data.resume is not None:
            self.state = data.resume
            return
        self.state = LoanState(
            loan_id=data.loan_id,
            enterprise_id=data.enterprise_id,
            enterprise_name=data.enterprise_name,
            district=data.district,
            bank_id=data.bank_id,
            station_id=data.station_id,
            opened=data.opened,
            note=data.note,
            config=data.config,
            last_activity_at=data.opened.at,
        )

    # ---- the main loop: timers ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, data: OpenLoanInput) -> LoanState:
        # Runs started before this patch never continue as new before servicing (their histories have no such
        # marker); every run started since may, once its history is long. Deprecate when no older run is open.
        continues_before_servicing = workflow.patched(OPEN_STAGES_CONTINUE_AS_NEW)
        self._upsert_search_attributes()
        if data.resume is None:
            async with self._lock:  # a step sent before the opening is written waits for it
                await self._persist(
                    LoanEventRecord(
                        key="opened",
                        kind="opened",
                        summary=f"case opened for {data.enterprise_name}",
                        actor=data.opened.by,
                        at=data.opened.at,
                        request_id=data.opened.request_id,
                        payload_digest=payload_digest(data.model_dump(mode="json")),
                    )
                )
            self._opened_persisted = True
        # One durable timer at a time, for the earliest moment something may fall due. The loop wakes (cancelling
        # and restarting the timer) only when a step moves that moment, leaves the loop's stages, or asks to
        # (`_changed`): steps that leave it where it is (several on one day) do not touch the timer.
        # Every step's answer carries the loan's state into the history, so a case with very many steps before
        # disbursement (visits, re-filings) continues as new too, well before Temporal's history limits.
        while self.state.stage.is_open:
            if continues_before_servicing and self._history_is_long():
                await self._continue_as_new()
            self._changed = False
            wake_at = self._next_timer()
            try:
                await workflow.wait_condition(
                    lambda at=wake_at: (
                        self._changed  # type: ignore[misc]
                        or not self.state.stage.is_open
                        or self._next_timer() != at
                        or (continues_before_servicing and self._history_is_long())
                    ),
                    timeout=_seconds_until(wake_at),
                )
            except TimeoutError:
                await self._fire_due_timers()
        while self.state.stage.is_servicing:
            if self._history_is_long():
                await self._continue_as_new()
            self._changed = False
            wake_at = self._next_servicing_moment()
            try:
                await workflow.wait_condition(
                    lambda at=wake_at: (
                        self._changed  # type: ignore[misc]
                        or not self.state.stage.is_servicing
                        or self._history_is_long()
                        or self._next_servicing_moment() != at
                    ),
                    timeout=_seconds_until(wake_at),
                )
            except TimeoutError:
                await self._fire_servicing_timers()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    async def _continue_as_new(self) -> None:
        # Let running steps finish (and none start half-way), then carry the state into a new run.
        await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._lock.locked())
        workflow.continue_as_new(self._input.model_copy(update={"resume": self.state}))

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested() or info.get_current_history_length() >= self.state.config.history_limit
        )

    def _reminder_due(self) -> datetime:
        idle_since = shanghai_date(self.state.last_activity_at)
        if self.state.reminders and self.state.reminders[-1].raised_at > self.state.last_activity_at:
            idle_since = shanghai_date(self.state.reminders[-1].raised_at)
        return end_of_day(add_working_days(idle_since, self.state.config.reminder_working_days))

    def _awaiting_outcome(self) -> list[Filing]:
        """Filings whose deadline runs: pending, not yet flagged, while the loan is in registration
        (a guarantor's decline sends the loan back to approval and pauses them)."""
        if self.state.stage is not Stage.REGISTRATION:
            return []
        return [f for f in self.state.filings.values() if f.outcome == "pending" and not f.overdue]

    def _next_timer(self) -> datetime | None:
        return min([self._reminder_due(), *(end_of_day(f.deadline) for f in self._awaiting_outcome())])

    async def _fire_due_timers(self) -> None:
        async with self._lock:
            now = workflow.now()
            if not self.state.stage.is_open:
                return
            for filing in self._awaiting_outcome():
                if end_of_day(filing.deadline) <= now:
                    filing.overdue = True
                    await self._accepted_by_timer(
                        f"registration-overdue-{filing.asset_id}-{filing.attempt}",
                        "registration_overdue",
                        f"no registration outcome for asset {filing.asset_id} by {filing.deadline} "
                        f"(filed {filing.filed_on})",
                        {"asset_id": filing.asset_id, "deadline": filing.deadline.isoformat()},
                    )
            if self._reminder_due() <= now:
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

    async def _accepted_by_timer(self, key: str, kind: str, summary: str, data: dict[str, Any]) -> None:
        """An event of the loan's own (a timer, or a change a step causes, such as a new tier)."""
        self.state.step_count += 1
        event = LoanEventRecord(
            key=key,
            kind=kind,
            summary=summary,
            actor=SYSTEM,
            at=workflow.now(),
            payload_digest=payload_digest(data),
            data=data,
        )
        if self._in_step:
            self._earlier_events.append(event)  # written with the step that caused it
            return
        await self._persist(event)

    # ---- helpers ----------------------------------------------------------------------------------------------

    def _today(self) -> date:
        return shanghai_date(workflow.now())

    def _check(self, action: LoanAction, data: StepInput, *, handler: bool = False) -> None:
        """The validator keeps a wrong step out of the history; the handler checks again, under the loan's lock,
        because another step may have changed the loan between this step's validation and its turn (keep both).
        Handlers of runs started before `stricter-step-rules` keep the older rules, so their histories replay."""
        strict = workflow.patched(STRICTER_STEP_RULES) if handler else True
        try:
            loan_rules.check_step(action, data.actor, self.state, data, self._today(), strict=strict)
        except StepRejected as error:
            raise _rejected(error) from None

    def _recorded(self, data: StepInput) -> dict[str, Any]:
        return {"by": data.actor, "at": workflow.now(), "request_id": data.request_id}

    def _upsert_search_attributes(self) -> None:
        current = (self.state.stage.value, self.state.district.value, self.state.bank_id)
        if current == self._indexed:
            return  # unchanged: an upsert would only add a history event
        self._indexed = current
        updates = [STAGE_KEY.value_set(self.state.stage.value), DISTRICT_KEY.value_set(self.state.district.value)]
        if self.state.bank_id:
            updates.append(BANK_KEY.value_set(self.state.bank_id))
        workflow.upsert_search_attributes(updates)

    async def _persist(self, event: LoanEventRecord, schedule: list[ScheduleLineModel] | None = None) -> None:
        # Written after the step's acceptance is in the history (services/workflows/persistence.py), keyed by the
        # event, so a retry after a worker crash writes nothing twice and a crash before it writes nothing at all.
        # An update's step gives up after `persist_give_up_seconds` (then `_step` puts the loan back as it was); a
        # timer's event is retried until it is written: it has happened, and nobody would send it again.
        if schedule is None and self._ledger_changed and self.state.servicing is not None:
            schedule = [ScheduleLineModel(**line.model_dump()) for line in self.state.servicing.ledger.lines]
        self._ledger_changed = False
        record = RecordLoanStepInput(
            state=self.state, event=event, schedule=schedule, earlier_events=self._earlier_events
        )
        if self._in_step:
            await persist(
                "record_loan_step",
                record,
                bool,
                give_up=timedelta(seconds=self.state.config.persist_give_up_seconds),
            )
            return
        try:
            await persist("record_loan_step", record, bool)
        except NotSaved as error:  # only data the database refuses; an event of the loan's own never has such
            workflow.logger.error("loan event not saved", extra={"loan_id": self.state.loan_id, "error": error.message})

    @asynccontextmanager
    async def _step(self) -> AsyncIterator[None]:
        """One update's step, under the loan's lock.

        If its write fails for good (the database refuses its data, or stays away past the bound), the loan is put
        back exactly as it was before the step — its state, its search attributes, the assets it held — and the
        step fails with a clear error: nothing of it was written (a step's events go in one transaction), nothing
        was announced, and the loan answers its next step as usual. Runs started before `persist-after-acceptance`
        never see a write fail for good (their local activity retries without end), so nothing changes for them.
        """
        async with self._lock:
            if not after_acceptance():
                yield
                return
            before = self.state.model_dump_json()
            self._in_step = True
            try:
                yield
            except (NotSaved, ApplicationError) as error:
                # A write that failed for good, or a step refused half-way (by the registration authority, say):
                # nothing of it stays, in memory or in the database.
                self.state = LoanState.model_validate_json(before, context=TRUSTED)
                self._ledger_changed = False
                self._upsert_search_attributes()
                undo, self._undo = self._undo, []
                self._in_step = False  # undoing writes like a timer: until it is done
                for action in reversed(undo):
                    await action()
                if isinstance(error, ApplicationError):
                    raise
                raise ApplicationError(error.message, type=error.kind, non_retryable=True) from None
            finally:
                self._in_step = False
                self._earlier_events = []
                self._after_write = []
                self._undo = []

    async def _release_holds(self, asset_ids: list[str]) -> None:
        try:
            await persist(
                "release_held_assets", HoldAssetsInput(loan_id=self.state.loan_id, asset_ids=asset_ids), type(None)
            )
        except NotSaved as error:
            workflow.logger.error(
                "held assets not released", extra={"loan_id": self.state.loan_id, "error": error.message}
            )

    async def _accepted(
        self, data: StepInput, kind: str, summary: str, *, schedule: list[ScheduleLineModel] | None = None
    ) -> StepResult:
        """Record an accepted step: activity time, search attributes, persistence; answer with the new state."""
        self.state.step_count += 1
        self.state.last_activity_at = workflow.now()
        self._upsert_search_attributes()
        info = workflow.current_update_info()
        key = info.id if info is not None else f"{kind}-{self.state.step_count}"
        await self._persist(
            LoanEventRecord(
                key=key,
                kind=kind,
                summary=summary,
                actor=data.actor,
                at=workflow.now(),
                request_id=data.request_id,
                payload_digest=payload_digest(data.model_dump(mode="json", exclude={"actor", "request_id"})),
                data=data.model_dump(mode="json", exclude={"actor", "request_id"}),
            ),
            schedule,
        )
        after_write, self._after_write = self._after_write, []
        for action in after_write:  # written: now it may be announced, and the disposal may start
            await action()
        return StepResult(loan_id=self.state.loan_id, stage=self.state.stage, event=kind, state=self.state)

    @workflow.update
    async def opened(self, data: StepInput) -> StepResult:
        """Answers once the new case is in the read model (used with update-with-start to open a case)."""
        await workflow.wait_condition(lambda: self._opened_persisted)
        return StepResult(loan_id=self.state.loan_id, stage=self.state.stage, event="opened", state=self.state)

    # ---- queries --------------------------------------------------------------------------------------------

    @workflow.query
    def get_state(self) -> LoanState:
        return self.state

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
    async def review_qualification(self, data: QualificationReviewInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.REVIEW_QUALIFICATION, data, handler=True)
            fields = data.model_dump(exclude={"actor", "request_id"})
            self.state.qualification = QualificationReview(**fields, passed=data.passed, **self._recorded(data))
            verdict = "passed" if data.passed else "not passed"
            return await self._accepted(data, "qualification_reviewed", f"qualification review {verdict}")

    @review_qualification.validator
    def _validate_review_qualification(self, data: QualificationReviewInput) -> None:
        self._check(LoanAction.REVIEW_QUALIFICATION, data)

    @workflow.update
    async def submit_application(self, data: SubmitApplicationInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.SUBMIT_APPLICATION, data, handler=True)
            try:
                await workflow.execute_activity(
                    "hold_assets",
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

    # ---- registration -----------------------------------------------------------------------------------------

    @workflow.update
    async def file_registration(self, data: FileRegistrationInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.FILE_REGISTRATION, data, handler=True)
            assert self.state.application is not None
            asset = next(a for a in self.state.application.assets if a.id == data.asset_id)
            days = loan_rules.registration_working_days(self.state.config, asset.kind, data.channel)
            previous = self.state.filings.get(asset.id)
            if previous is not None:
                self.state.filing_history.append(previous)
            attempt = (previous.attempt + 1) if previous else 1
            receipt = await workflow.execute_activity(
                "file_with_authority",
                AuthorityFilingInput(
                    loan_id=self.state.loan_id,
                    asset=asset,
                    channel=data.channel,
                    filed_on=data.filed_on,
                    attempt=attempt,
                ),
                result_type=AuthorityReceipt,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            filing = Filing(
                asset_id=asset.id,
                attempt=attempt,
                authority=asset.kind.authority,
                adapter=receipt.adapter,
                authority_reference=receipt.reference,
                channel=data.channel,
                filed_on=data.filed_on,
                deadline=add_working_days(data.filed_on, days),
                **self._recorded(data),
            )
            self.state.filings[asset.id] = filing
            return await self._accepted(
                data,
                "registration_filed",
                f"{asset.number} filed with {filing.authority.value} ({data.channel.value}); "
                f"outcome due by {filing.deadline}",
            )

    @file_registration.validator
    def _validate_file_registration(self, data: FileRegistrationInput) -> None:
        self._check(LoanAction.FILE_REGISTRATION, data)

    @workflow.update
    async def record_registration_outcome(self, data: RegistrationOutcomeInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_REGISTRATION_OUTCOME, data, handler=True)
            filing = self.state.filings[data.asset_id]
            filing.outcome_recorded = Recorded(**self._recorded(data))
            if data.registered:
                filing.outcome = "registered"
                filing.registration_number = data.registration_number
                filing.effective_date = data.effective_date
                filing.pledge_end_date = data.pledge_end_date
                if all(
                    (f := self.state.filings.get(a)) is not None and f.outcome == "registered"
                    for a in self.state.asset_ids
                ):
                    self.state.stage = Stage.DISBURSEMENT
                return await self._accepted(
                    data,
                    "registered",
                    f"pledge of {data.asset_id} registered: {data.registration_number}, "
                    f"effective {data.effective_date}",
                )
            filing.outcome = "refused"
            filing.refusal_reason = data.refusal_reason
            return await self._accepted(
                data, "registration_refused", f"registration of {data.asset_id} refused: {data.refusal_reason}"
            )

    @record_registration_outcome.validator
    def _validate_record_registration_outcome(self, data: RegistrationOutcomeInput) -> None:
        self._check(LoanAction.RECORD_REGISTRATION_OUTCOME, data)

    # ---- disbursement -----------------------------------------------------------------------------------------

    @workflow.update
    async def disburse(self, data: DisburseInput) -> StepResult:
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
    def _validate_disburse(self, data: DisburseInput) -> None:
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

    # ---- servicing: timers -------------------------------------------------------------------------------------

    @property
    def _servicing(self) -> Servicing:
        assert self.state.servicing is not None
        return self.state.servicing

    def _guarantor(self) -> str | None:
        return self.state.proposal.guarantor_id if self.state.proposal else None

    def _next_servicing_moment(self) -> datetime | None:
        servicing, config = self._servicing, self.state.config
        ledger = servicing.ledger
        today = self._today()
        moments: list[datetime] = []
        if self.state.stage is Stage.SERVICING:
            for line in ledger.lines:
                if line.settled:
                    continue
                if line.seq not in servicing.reminded and config.due_reminder_days:
                    moments.append(start_of(line.due_date - timedelta(days=config.due_reminder_days)))
                if line.seq not in servicing.checked:
                    moments.append(end_of_day(line.due_date))
            for asset_id in loan_rules.extendable_assets(self.state):
                end = self.state.filings[asset_id].pledge_end_date
                if asset_id not in servicing.extension_reminded and end is not None:
                    moments.append(start_of(end - timedelta(days=config.extension_reminder_days)))
        if self.state.stage in (Stage.SERVICING, Stage.DEFAULT):
            change = ledgers.next_tier_change(ledger, today)
            if change is not None:
                moments.append(start_of(change))
            if self._guarantor() and servicing.compensation_requested_on is None and servicing.overdue_since:
                moments.append(start_of(servicing.overdue_since + timedelta(days=config.compensation_days - 1)))
        if self.state.stage is Stage.RELEASE:
            moments += [end_of_day(r.deadline) for r in servicing.releases.values() if self._release_awaited(r)]
        return min(moments) if moments else None

    @staticmethod
    def _release_awaited(release: Release) -> bool:
        return release.outcome == "pending" and not release.overdue

    async def _fire_servicing_timers(self) -> None:
        async with self._lock:
            if not self.state.stage.is_servicing:
                return
            servicing, config = self._servicing, self.state.config
            today = self._today()
            if self.state.stage is Stage.SERVICING:
                for line in servicing.ledger.lines:
                    remind_on = line.due_date - timedelta(days=config.due_reminder_days)
                    if line.seq in servicing.reminded or remind_on > today or not config.due_reminder_days:
                        continue
                    servicing.reminded.append(line.seq)
                    if line.settled or today > line.due_date:
                        continue
                    await self._event(
                        f"due-soon-{line.seq}-{line.due_date}",
                        NotificationKind.DUE_SOON,
                        f"instalment {line.seq} of ¥{line.unpaid:,.2f} falls due on {line.due_date}",
                        {"seq": line.seq, "due_date": line.due_date.isoformat(), "amount": str(line.unpaid)},
                        [self.state.bank_id, self.state.enterprise_id],
                    )
                for line in servicing.ledger.lines:
                    if line.seq in servicing.checked or line.due_date >= today:
                        continue
                    servicing.checked.append(line.seq)
                    if line.settled:
                        continue
                    await self._event(
                        f"overdue-{line.seq}-{line.due_date}",
                        NotificationKind.OVERDUE,
                        f"instalment {line.seq} due {line.due_date} is unpaid: ¥{line.unpaid:,.2f} overdue",
                        {"seq": line.seq, "due_date": line.due_date.isoformat(), "unpaid": str(line.unpaid)},
                        [self.state.bank_id, self.state.enterprise_id, self._guarantor()],
                    )
                for asset_id in loan_rules.extendable_assets(self.state):
                    end = self.state.filings[asset_id].pledge_end_date
                    assert end is not None
                    if asset_id in servicing.extension_reminded:
                        continue
                    if end - timedelta(days=config.extension_reminder_days) > today:
                        continue
                    servicing.extension_reminded.append(asset_id)
                    await self._system_event(
                        f"extension-due-{asset_id}-{end}",
                        "extension_due",
                        f"the trademark pledge of {asset_id} ends on {end}, before the loan matures on "
                        f"{self.state.disbursement.maturity_date if self.state.disbursement else '?'}: extend it",
                        {"asset_id": asset_id, "pledge_end_date": end.isoformat()},
                    )
            await self._reclassify(today)
            await self._ask_compensation(today)
            if self.state.stage is Stage.RELEASE:
                for release in servicing.releases.values():
                    if self._release_awaited(release) and end_of_day(release.deadline) <= workflow.now():
                        release.overdue = True
                        await self._system_event(
                            f"release-overdue-{release.asset_id}-{release.attempt}",
                            "release_overdue",
                            f"no release outcome for asset {release.asset_id} by {release.deadline} "
                            f"(filed {release.filed_on})",
                            {"asset_id": release.asset_id, "deadline": release.deadline.isoformat()},
                        )

    async def _reclassify(self, today: date, by: Actor | None = None, reason: str | None = None) -> None:
        """Days past due and tier as of `today`; a change of tier is an event (and a notification)."""
        servicing = self._servicing
        dpd = ledgers.days_past_due(servicing.ledger, today)
        servicing.days_past_due = dpd
        servicing.overdue_since = today - timedelta(days=dpd - 1) if dpd else None
        servicing.auto_tier = ledgers.tier_for_days(dpd)
        tier = max(servicing.auto_tier, servicing.manual_tier or RiskTier.NORMAL, key=lambda t: t.rank)
        if tier is servicing.tier:
            return
        previous, servicing.tier = servicing.tier, tier
        manual = by is not None
        servicing.tier_history.append(
            TierChange(on=today, previous=previous, tier=tier, days_past_due=dpd, manual=manual, reason=reason, by=by)
        )
        why = f"manual downgrade: {reason}" if manual else f"{dpd} day(s) past due"
        await self._notify(
            f"tier-{len(servicing.tier_history)}",
            NotificationKind.TIER_CHANGED,
            f"classification {previous.label} → {tier.label} ({why})",
            {"previous": previous.value, "tier": tier.value, "days_past_due": dpd, "manual": manual},
            [self.state.bank_id, self._guarantor()],
        )
        if not manual:
            await self._system_event(
                f"tier-{len(servicing.tier_history)}",
                "tier_changed",
                f"classification {previous.label} → {tier.label} ({why})",
                {"previous": previous.value, "tier": tier.value, "days_past_due": dpd},
            )

    async def _ask_compensation(self, today: date) -> None:
        servicing, guarantor = self._servicing, self._guarantor()
        if guarantor is None or servicing.compensation_requested_on is not None:
            return
        if servicing.days_past_due < self.state.config.compensation_days:
            return
        servicing.compensation_requested_on = today
        owed = ledgers.total_owed(servicing.ledger, today)
        await self._event(
            "compensation-requested",
            NotificationKind.COMPENSATION_REQUESTED,
            f"{servicing.days_past_due} days past due: guarantor {guarantor} is asked to compensate "
            f"(¥{owed:,.2f} owed)",
            {"guarantor_id": guarantor, "days_past_due": servicing.days_past_due, "owed": str(owed)},
            [guarantor, self.state.bank_id],
        )

    async def _system_event(self, key: str, kind: str, summary: str, data: dict[str, Any]) -> None:
        self._changed = True
        await self._accepted_by_timer(key, kind, summary, data)

    async def _event(
        self, key: str, kind: NotificationKind, summary: str, data: dict[str, Any], orgs: list[str | None]
    ) -> None:
        await self._system_event(key, kind.value, summary, data)
        await self._notify(key, kind, summary, data, orgs)

    async def _notify(
        self, key: str, kind: NotificationKind, summary: str, data: dict[str, Any], orgs: list[str | None]
    ) -> None:
        """Queue a webhook for each party's organisation that registered one; each is delivered by its own
        workflow (retried with backoff, outliving this run). Within a step, once the step is written."""
        if self._in_step:
            self._after_write.append(lambda: self._send_notices(key, kind, summary, data, orgs))
            return
        await self._send_notices(key, kind, summary, data, orgs)

    async def _send_notices(
        self, key: str, kind: NotificationKind, summary: str, data: dict[str, Any], orgs: list[str | None]
    ) -> None:
        notice = NotifyInput(
            key=f"{self.state.loan_id}:{key}",
            loan_id=self.state.loan_id,
            kind=kind,
            summary=summary,
            org_ids=sorted({org for org in orgs if org}),
            occurred_at=workflow.now(),
            data=data,
        )
        deliveries = await persist("queue_notifications", notice, list[int])
        for delivery_id in deliveries:
            await workflow.start_child_workflow(
                WEBHOOK_WORKFLOW_NAME,
                DeliverInput(delivery_id=delivery_id),
                id=f"webhook-{self.state.loan_id}-{delivery_id}",
                parent_close_policy=ParentClosePolicy.ABANDON,
            )

    # ---- servicing: steps -------------------------------------------------------------------------------------

    def _payment(self, data: StepInput, kind: str, amount: Decimal, value_date: date, reference: str,
                 payer: str, allocation: Allocation) -> Payment:  # fmt: skip
        payment = Payment(
            kind=kind,
            amount=amount,
            value_date=value_date,
            reference=reference,
            payer=payer,
            allocation=allocation,
            **self._recorded(data),
        )
        self._servicing.payments.append(payment)
        self._ledger_changed = True
        return payment

    async def _after_payment(self, data: StepInput, kind: str, summary: str) -> StepResult:
        servicing = self._servicing
        await self._reclassify(self._today())
        if servicing.ledger.repaid and self.state.stage is Stage.SERVICING:
            self.state.stage = Stage.RELEASE
            summary += "; repaid in full: the pledge must now be released"
        return await self._accepted(data, kind, summary)

    @staticmethod
    def _allocated(allocation: Allocation) -> str:
        return (
            f"penalty ¥{allocation.penalty:,.2f}, interest ¥{allocation.interest:,.2f}, "
            f"principal ¥{allocation.principal:,.2f}"
        )

    @workflow.update
    async def record_repayment(self, data: RepaymentInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_REPAYMENT, data, handler=True)
            servicing = self._servicing
            servicing.ledger, allocation = ledgers.apply_payment(servicing.ledger, data.amount, data.value_date)
            self._payment(
                data, "repayment", data.amount, data.value_date, data.reference, self.state.enterprise_id, allocation
            )
            return await self._after_payment(
                data,
                "repayment_recorded",
                f"¥{data.amount:,.2f} received on {data.value_date} ({data.reference}): {self._allocated(allocation)}",
            )

    @record_repayment.validator
    def _validate_record_repayment(self, data: RepaymentInput) -> None:
        self._check(LoanAction.RECORD_REPAYMENT, data)

    @workflow.update
    async def prepay(self, data: PrepaymentInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.PREPAY, data, handler=True)
            servicing = self._servicing
            quote = ledgers.quote_prepayment(servicing.ledger, data.value_date, data.principal)
            servicing.ledger, allocation = ledgers.prepay(servicing.ledger, quote)
            self._payment(
                data, "prepayment", quote.total, data.value_date, data.reference, self.state.enterprise_id, allocation
            )
            what = "in full" if quote.full else f"¥{quote.principal:,.2f} of principal"
            return await self._after_payment(
                data,
                "prepayment_recorded",
                f"early repayment {what} on {data.value_date}: ¥{quote.total:,.2f} ({self._allocated(allocation)}); "
                f"¥{quote.remaining_principal:,.2f} remains",
            )

    @prepay.validator
    def _validate_prepay(self, data: PrepaymentInput) -> None:
        self._check(LoanAction.PREPAY, data)

    @workflow.update
    async def downgrade(self, data: DowngradeInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.DOWNGRADE, data, handler=True)
            servicing = self._servicing
            previous = servicing.tier
            servicing.manual_tier = data.tier
            await self._reclassify(self._today(), by=data.actor, reason=data.reason)
            return await self._accepted(
                data, "tier_changed", f"classification {previous.label} → {data.tier.label} (manual: {data.reason})"
            )

    @downgrade.validator
    def _validate_downgrade(self, data: DowngradeInput) -> None:
        self._check(LoanAction.DOWNGRADE, data)

    async def _enter_default(self, data: StepInput, on: date, reason: str) -> None:
        servicing = self._servicing
        servicing.ledger = ledgers.accelerate(servicing.ledger, on)
        servicing.default = Recorded(**self._recorded(data))
        servicing.default_reason = reason
        self._ledger_changed = True
        self.state.stage = Stage.DEFAULT
        assert self.state.application is not None
        disposal = DisposalInput(
            loan_id=self.state.loan_id,
            bank_id=self.state.bank_id or "",
            enterprise_id=self.state.enterprise_id,
            assets=self.state.application.assets,
            owed=ledgers.total_owed(servicing.ledger, on),
            started=Recorded(**self._recorded(data)),
        )

        async def start_disposal() -> None:
            await workflow.start_child_workflow(
                DISPOSAL_WORKFLOW_NAME,
                disposal,
                id=disposal_workflow_id(self.state.loan_id),
                parent_close_policy=ParentClosePolicy.ABANDON,
            )

        if self._in_step:
            self._after_write.append(start_disposal)  # once the default is written
        else:
            await start_disposal()

    @workflow.update
    async def declare_default(self, data: DeclareDefaultInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.DECLARE_DEFAULT, data, handler=True)
            await self._enter_default(data, data.declared_on, data.reason)
            owed = ledgers.total_owed(self._servicing.ledger, data.declared_on)
            return await self._accepted(
                data,
                "default_declared",
                f"default declared on {data.declared_on}: {data.reason}; ¥{owed:,.2f} falls due; disposal started",
            )

    @declare_default.validator
    def _validate_declare_default(self, data: DeclareDefaultInput) -> None:
        self._check(LoanAction.DECLARE_DEFAULT, data)

    @workflow.update
    async def record_compensation(self, data: CompensationInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_COMPENSATION, data, handler=True)
            servicing = self._servicing
            if self.state.stage is Stage.SERVICING:
                await self._enter_default(data, data.value_date, f"compensated by {data.actor.org_id}")
            servicing.ledger, allocation, _ = ledgers.settle_with(servicing.ledger, data.amount, data.value_date)
            servicing.compensation = self._payment(
                data, "compensation", data.amount, data.value_date, data.reference, data.actor.org_id, allocation
            )
            servicing.recourse_claim += data.amount
            await self._reclassify(self._today())
            return await self._accepted(
                data,
                "compensated",
                f"{data.actor.org_id} compensated ¥{data.amount:,.2f} on {data.value_date} "
                f"({self._allocated(allocation)}); its recourse claim is ¥{servicing.recourse_claim:,.2f}",
            )

    @record_compensation.validator
    def _validate_record_compensation(self, data: CompensationInput) -> None:
        self._check(LoanAction.RECORD_COMPENSATION, data)

    @workflow.signal
    async def disposal_finished(self, outcome: DisposalOutcome) -> None:
        """From the DisposalWorkflow: the pledged IP is sold and the pledge released; apply the proceeds."""
        async with self._lock:
            servicing = self.state.servicing
            if servicing is None or self.state.stage is not Stage.DEFAULT or servicing.disposal is not None:
                return
            servicing.disposal = outcome
            owed = ledgers.total_owed(servicing.ledger, outcome.sold_on)
            to_bank = min(outcome.proceeds, owed)
            allocation = Allocation()
            if to_bank > 0:
                servicing.ledger, allocation, _ = ledgers.settle_with(servicing.ledger, to_bank, outcome.sold_on)
            rest = outcome.proceeds - to_bank
            to_guarantor = min(rest, servicing.recourse_claim)
            servicing.recourse_claim -= to_guarantor
            servicing.surplus = rest - to_guarantor
            system = Recorded(by=SYSTEM, at=workflow.now())
            servicing.payments.append(
                Payment(
                    kind="disposal",
                    amount=outcome.proceeds,
                    value_date=outcome.sold_on,
                    reference=f"{outcome.method.value}:{outcome.buyer}",
                    payer=outcome.buyer,
                    allocation=allocation,
                    **system.model_dump(),
                )
            )
            self._ledger_changed = True
            for asset_id in self.state.asset_ids:
                servicing.releases[asset_id] = Release(
                    asset_id=asset_id,
                    attempt=1,
                    authority=self._asset(asset_id).kind.authority,
                    channel=self.state.filings[asset_id].channel,
                    filed_on=outcome.released_on,
                    deadline=outcome.released_on,
                    outcome="released",
                    release_date=outcome.released_on,
                    **system.model_dump(),
                )
            summary = (
                f"disposal by {outcome.method.value} to {outcome.buyer}: ¥{outcome.proceeds:,.2f} on "
                f"{outcome.sold_on}; ¥{to_bank:,.2f} to the bank, ¥{to_guarantor:,.2f} to the guarantor's recourse"
            )
            if servicing.ledger.repaid:
                self.state.stage = Stage.DISPOSED
                self.state.closure = Closure(outcome="disposed", reason=summary, **system.model_dump())
            await self._reclassify(self._today())
            self.state.step_count += 1
            self._upsert_search_attributes()
            self._changed = True
            await self._event(
                "disposed",
                NotificationKind.DISPOSED,
                summary,
                {"proceeds": str(outcome.proceeds), "to_bank": str(to_bank), "stage": self.state.stage.value},
                [self.state.bank_id, self.state.enterprise_id, self._guarantor()],
            )

    def _asset(self, asset_id: str) -> Any:
        assert self.state.application is not None
        return next(a for a in self.state.application.assets if a.id == asset_id)

    @workflow.update
    async def write_off(self, data: WriteOffInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.WRITE_OFF, data, handler=True)
            servicing = self._servicing
            today = self._today()
            servicing.ledger = ledgers.accrue(servicing.ledger, max(today, servicing.ledger.accrued_to))
            remainder = ledgers.total_owed(servicing.ledger, servicing.ledger.accrued_to)
            servicing.written_off = remainder
            self.state.stage = Stage.WRITTEN_OFF
            self.state.closure = Closure(outcome="written_off", reason=data.reason, **self._recorded(data))
            return await self._accepted(data, "written_off", f"¥{remainder:,.2f} written off: {data.reason}")

    @write_off.validator
    def _validate_write_off(self, data: WriteOffInput) -> None:
        self._check(LoanAction.WRITE_OFF, data)

    # ---- release and extension --------------------------------------------------------------------------------

    @workflow.update
    async def file_release(self, data: FileReleaseInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.FILE_RELEASE, data, handler=True)
            servicing = self._servicing
            asset = self._asset(data.asset_id)
            previous = servicing.releases.get(asset.id)
            if previous is not None:
                servicing.release_history.append(previous)
            attempt = (previous.attempt + 1) if previous else 1
            await workflow.execute_activity(
                "file_with_authority",
                AuthorityFilingInput(
                    loan_id=self.state.loan_id,
                    asset=asset,
                    channel=data.channel,
                    filed_on=data.filed_on,
                    attempt=attempt,
                    purpose="release",
                ),
                result_type=AuthorityReceipt,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            days = loan_rules.registration_working_days(self.state.config, asset.kind, data.channel)
            release = Release(
                asset_id=asset.id,
                attempt=attempt,
                authority=asset.kind.authority,
                channel=data.channel,
                filed_on=data.filed_on,
                deadline=add_working_days(data.filed_on, days),
                **self._recorded(data),
            )
            servicing.releases[asset.id] = release
            return await self._accepted(
                data,
                "release_filed",
                f"release of {asset.number} filed with {release.authority.value} ({data.channel.value}); "
                f"outcome due by {release.deadline}",
            )

    @file_release.validator
    def _validate_file_release(self, data: FileReleaseInput) -> None:
        self._check(LoanAction.FILE_RELEASE, data)

    @workflow.update
    async def record_release_outcome(self, data: ReleaseOutcomeInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_RELEASE_OUTCOME, data, handler=True)
            servicing = self._servicing
            release = servicing.releases[data.asset_id]
            release.outcome_recorded = Recorded(**self._recorded(data))
            if not data.released:
                release.outcome = "refused"
                release.refusal_reason = data.refusal_reason
                return await self._accepted(
                    data, "release_refused", f"release of {data.asset_id} refused: {data.refusal_reason}"
                )
            release.outcome = "released"
            release.release_date = data.release_date
            release.notice_number = data.notice_number
            summary = f"pledge of {data.asset_id} released on {data.release_date} ({data.notice_number})"
            if all((r := servicing.releases.get(a)) and r.outcome == "released" for a in self.state.asset_ids):
                self.state.stage = Stage.CLOSED
                self.state.closure = Closure(
                    outcome="closed", reason="repaid in full; every pledge released", **self._recorded(data)
                )
                summary += "; loan closed"
                await self._notify(
                    "released",
                    NotificationKind.RELEASED,
                    summary,
                    {"asset_id": data.asset_id, "notice_number": data.notice_number},
                    [self.state.bank_id, self.state.enterprise_id, self._guarantor()],
                )
            return await self._accepted(data, "released", summary)

    @record_release_outcome.validator
    def _validate_record_release_outcome(self, data: ReleaseOutcomeInput) -> None:
        self._check(LoanAction.RECORD_RELEASE_OUTCOME, data)

    @workflow.update
    async def record_extension(self, data: ExtensionInput) -> StepResult:
        async with self._step():
            self._check(LoanAction.RECORD_EXTENSION, data, handler=True)
            filing = self.state.filings[data.asset_id]
            previous = filing.pledge_end_date
            filing.pledge_end_date = data.new_end_date
            if data.asset_id in self._servicing.extension_reminded:
                self._servicing.extension_reminded.remove(data.asset_id)
            return await self._accepted(
                data,
                "extension_recorded",
                f"trademark pledge of {data.asset_id} extended: {previous} → {data.new_end_date}",
            )

    @record_extension.validator
    def _validate_record_extension(self, data: ExtensionInput) -> None:
        self._check(LoanAction.RECORD_EXTENSION, data)
