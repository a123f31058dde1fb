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

The class is composed of mixins, one file a part (Temporal collects updates, signals and queries from base
classes; their names do not change): `core` (state, lock, check-then-write, events), `working_days` (working-day
arithmetic on calendar answers recorded in the history), `origination` (guidance to disbursement) with
`registration` (filing and outcome), `standing` (servicing's timer and classification), `children` (the disposal),
`servicing` (the steps of a disbursed loan). This file holds the run loop, continue-as-new, the opening and the
query."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.base import StepInput
    from contracts.loan_activities import LoanEventRecord
    from contracts.loan_state import LoanState, StepResult
    from contracts.loans import LOAN_WORKFLOW_NAME, OpenLoanInput
    from services.domain.digest import payload_digest
from services.workflows.loan.core import OPEN_STAGES_CONTINUE_AS_NEW, seconds_until
from services.workflows.loan.origination import OriginationSteps
from services.workflows.loan.servicing import ServicingSteps


@workflow.defn(name=LOAN_WORKFLOW_NAME)
class LoanLifecycleWorkflow(OriginationSteps, ServicingSteps):
    @workflow.init
    def __init__(self, data: OpenLoanInput) -> None:
        self._setup(data)

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
            wake_at = await self._next_open_timer()
            try:
                await workflow.wait_condition(
                    lambda at=wake_at: (
                        self._changed  # type: ignore[misc]
                        or not self.state.stage.is_open
                        or self._open_timer_moved(at)
                        or (continues_before_servicing and self._history_is_long())
                    ),
                    timeout=seconds_until(wake_at),
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
                    timeout=seconds_until(wake_at),
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

    @workflow.update
    async def opened(self, data: StepInput) -> StepResult:  # noqa: ARG002  the update's payload, part of its wire contract
        """Answers once the new case is in the read model (used with update-with-start to open a case)."""
        await workflow.wait_condition(lambda: self._opened_persisted)
        return StepResult(
            loan_id=self.state.loan_id,
            stage=self.state.stage,
            event="opened",
            state=self.state,
            summary=self.state.summary(),
        )

    # ---- queries --------------------------------------------------------------------------------------------

    @workflow.query
    def get_state(self) -> LoanState:
        return self.state
