"""The core every part of the loan workflow stands on: its state and lock, the check of a step, its write, and
the events and notifications it leaves (services/workflows/loan/__init__.py tells how the parts fit)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from contracts.base import SYSTEM_ACTOR, StepInput
    from contracts.loan_activities import HoldAssetsInput, LoanEventRecord, RecordLoanStepInput, ScheduleLineModel
    from contracts.loan_state import LoanState, LoanSummary, StepResult, Waiting
    from contracts.loans import OpenLoanInput
    from contracts.names import Activity, webhook_workflow_id
    from contracts.notifications import WEBHOOK_WORKFLOW_NAME, DeliverInput, NotificationKind, NotifyInput
    from contracts.types import TRUSTED
    from services.domain import loan_rules
    from services.domain.calendar import shanghai_date
    from services.domain.digest import payload_digest
    from services.domain.loan_rules import LoanAction, StepRejected
    from services.domain.loan_rules.waiting import waiting_on
    from services.workflows.persistence import NotSaved, after_acceptance, persist


STAGE_KEY = SearchAttributeKey.for_keyword("PledgeflowStage")
DISTRICT_KEY = SearchAttributeKey.for_keyword("PledgeflowDistrict")
BANK_KEY = SearchAttributeKey.for_keyword("PledgeflowBank")

# Persisting a step is a few short statements; a worker that dies mid-activity is retried after this.
ACTIVITY_TIMEOUT = timedelta(seconds=10)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
OPEN_STAGES_CONTINUE_AS_NEW = "open-stages-continue-as-new"
OPENING_WRITTEN_FIRST = "opening-written-first"
STRICTER_STEP_RULES = "stricter-step-rules"
TERM_RULES = "term-rules"
SYSTEM = SYSTEM_ACTOR


def _rejected(error: StepRejected) -> ApplicationError:
    return ApplicationError(error.message, type=error.kind, non_retryable=True)


def seconds_until(moment: datetime | None) -> float | None:
    return max((moment - workflow.now()).total_seconds(), 0.001) if moment else None


class LoanCore:
    """State, lock and the check-then-write of every step (the parts below are mixins of one workflow class)."""

    state: LoanState

    def _setup(self, data: OpenLoanInput) -> None:
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

    # ---- helpers ----------------------------------------------------------------------------------------------

    def _today(self) -> date:
        return shanghai_date(workflow.now())

    def _check(self, action: LoanAction, data: StepInput, *, handler: bool = False) -> None:
        """The validator keeps a wrong step out of the history; the handler checks again, under the loan's lock,
        because another step may have changed the loan between this step's validation and its turn (keep both).
        Handlers of runs started before `stricter-step-rules` or `term-rules` keep the older rules, so that their
        histories replay: a step the newer rules refuse took its course there."""
        strict = workflow.patched(STRICTER_STEP_RULES) if handler else True
        term_rules = workflow.patched(TERM_RULES) if handler else True
        try:
            loan_rules.check_step(
                action, data.actor, self.state, data, self._today(), strict=strict, term_rules=term_rules
            )
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

    async def _persist(self, event: LoanEventRecord, schedule: list[ScheduleLineModel] | None = None) -> LoanSummary:
        # Written after the step's acceptance is in the history (services/workflows/persistence.py), keyed by the
        # event, so a retry after a worker crash writes nothing twice and a crash before it writes nothing at all.
        # An update's step gives up after `persist_give_up_seconds` (then `_step` puts the loan back as it was); a
        # timer's event is retried until it is written: it has happened, and nobody would send it again.
        if schedule is None and self._ledger_changed and self.state.servicing is not None:
            schedule = [ScheduleLineModel(**line.model_dump()) for line in self.state.servicing.ledger.lines]
        self._ledger_changed = False
        self.state.waiting_on = [
            Waiting(role=role, actions=[a.value for a in actions]) for role, actions in waiting_on(self.state)
        ]
        # The state's one projection, computed once here: the write's row and the step's answer both carry it.
        summary = self.state.summary()
        record = RecordLoanStepInput(
            state=self.state, summary=summary, event=event, schedule=schedule, earlier_events=self._earlier_events
        )
        if self._in_step:
            await persist(
                Activity.RECORD_LOAN_STEP,
                record,
                bool,
                give_up=timedelta(seconds=self.state.config.persist_give_up_seconds),
            )
            return summary
        try:
            await persist(Activity.RECORD_LOAN_STEP, record, bool)
        except NotSaved as error:  # only data the database refuses; an event of the loan's own never has such
            workflow.logger.error("loan event not saved", extra={"loan_id": self.state.loan_id, "error": error.message})
        return summary

    @asynccontextmanager
    async def _step(self) -> AsyncIterator[None]:
        """One update's step, under the loan's lock.

        If its write fails for good (the database refuses its data, or stays away past the bound), the loan is put
        back exactly as it was before the step — its state, its search attributes, the assets it held — and the
        step fails with a clear error: nothing of it was written (a step's events go in one transaction), nothing
        was announced, and the loan answers its next step as usual. Runs started before `persist-after-acceptance`
        never see a write fail for good (their local activity retries without end), so nothing changes for them.
        """
        if not self._opened_persisted and workflow.patched(OPENING_WRITTEN_FIRST):
            # The SDK runs the updates of a workflow's first task before `run` starts: a step sent with the start
            # would take the lock before the opening and be written ahead of it. It waits for the opening instead.
            await workflow.wait_condition(lambda: self._opened_persisted)
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
                Activity.RELEASE_HELD_ASSETS,
                HoldAssetsInput(loan_id=self.state.loan_id, asset_ids=asset_ids),
                type(None),
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
        projection = await self._persist(
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
        return StepResult(
            loan_id=self.state.loan_id, stage=self.state.stage, event=kind, state=self.state, summary=projection
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
        deliveries = await persist(Activity.QUEUE_NOTIFICATIONS, notice, list[int])
        for delivery_id in deliveries:
            await workflow.start_child_workflow(
                WEBHOOK_WORKFLOW_NAME,
                DeliverInput(delivery_id=delivery_id),
                id=webhook_workflow_id(self.state.loan_id, delivery_id),
                parent_close_policy=ParentClosePolicy.ABANDON,
            )

    def _asset(self, asset_id: str) -> Any:
        assert self.state.application is not None
        return next(a for a in self.state.application.assets if a.id == asset_id)
