"""`DisposalWorkflow` (id `disposal-<loan id>`): disposal of a defaulted loan's pledged IP (质物处置).

Started by the loan's workflow when the loan defaults (abandoned on close, so it outlives the loan's
continue-as-new). The bank's officer takes its steps in order, each an Update with a validator: an updated
valuation, the method (transfer, auction or licensing), the listing, the sale (buyer, proceeds), the release of
the pledge on transfer. Each step is written to the loan's timeline, audit trail and `loan.disposal`. When the
pledge is released the workflow signals the loan (`disposal_finished`), which applies the proceeds to the debt.
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
    from contracts.disposal import (
        DISPOSAL_WORKFLOW_NAME,
        ChooseDisposalMethodInput,
        DisposalInput,
        DisposalListingRequest,
        DisposalReleaseRequest,
        DisposalSaleRequest,
        DisposalState,
        DisposalStepResult,
        DisposalValuationRequest,
        ListDisposalAssetsInput,
        RecordDisposalReleaseInput,
        RecordDisposalSaleInput,
        RecordDisposalStepInput,
        UpdateDisposalValuationInput,
    )
    from contracts.loan_state import DisposalOutcome
    from contracts.names import Activity, Signal
    from contracts.queues import loan_workflow_id
    from contracts.types import TRUSTED
    from services.domain.calendar import shanghai_date
    from services.domain.digest import payload_digest
    from services.domain.disposal_rules import not_the_disposer
    from services.workflows.persistence import NotSaved, after_acceptance, persist

STEP_GIVE_UP = timedelta(minutes=10)
ORDER = ("valuation", "method", "listing", "sale", "release", "done")
NEXT_STEP_NAMES = {
    "valuation": "an updated valuation",
    "method": "the disposal method",
    "listing": "the listing",
    "sale": "the sale",
    "release": "the release of the pledge",
    "done": "nothing (the disposal is finished)",
}


START_WRITTEN_FIRST = "disposal-start-written-first"


@workflow.defn(name=DISPOSAL_WORKFLOW_NAME)
class DisposalWorkflow:
    @workflow.init
    def __init__(self, data: DisposalInput) -> None:
        self.state = DisposalState(
            loan_id=data.loan_id,
            bank_id=data.bank_id,
            enterprise_id=data.enterprise_id,
            assets=data.assets,
            owed=data.owed,
            started=data.started,
        )
        self._lock = asyncio.Lock()
        self._started_written = False

    @workflow.run
    async def run(self, data: DisposalInput) -> DisposalState:
        summary = f"disposal of the pledged IP started; ¥{data.owed:,.2f} owed"
        async with self._lock:  # a step sent before the start is written waits for it
            await self._persist("started", "disposal_started", summary, data.started, None)
        self._started_written = True
        await workflow.wait_condition(lambda: self.state.step == "done")
        await workflow.wait_condition(workflow.all_handlers_finished)
        assert self.state.sale is not None
        assert self.state.release is not None
        assert self.state.method is not None
        await workflow.get_external_workflow_handle(loan_workflow_id(self.state.loan_id)).signal(
            Signal.DISPOSAL_FINISHED,
            DisposalOutcome(
                method=self.state.method,
                buyer=self.state.sale.buyer,
                proceeds=self.state.sale.proceeds,
                sold_on=self.state.sale.sold_on,
                released_on=self.state.release.release_date,
            ),
        )
        return self.state

    @workflow.query
    def get_state(self) -> DisposalState:
        return self.state

    def _check(self, step: str, data: StepInput) -> None:
        who = not_the_disposer(data.actor, self.state.bank_id)
        if who is not None:
            raise ApplicationError(who, type=STEP_NOT_YOUR_STEP, non_retryable=True)
        if self.state.step != step:
            raise ApplicationError(
                f"the disposal now needs {NEXT_STEP_NAMES[self.state.step]}; current step: {self.state.step}",
                type=STEP_WRONG_STAGE,
                non_retryable=True,
            )

    def _rule(self, condition: bool, message: str) -> None:
        if not condition:
            raise ApplicationError(message, type=STEP_RULE_VIOLATION, non_retryable=True)

    async def _persist(
        self, key: str, kind: str, summary: str, recorded: Recorded, data: dict[str, Any] | None
    ) -> None:
        # Written once Temporal holds the step's acceptance (services/workflows/persistence.py); a step gives up
        # after STEP_GIVE_UP (the database away) and is then undone by `_taking`; the start is retried until written.
        step = RecordDisposalStepInput(
            state=self.state,
            key=f"disposal-{key}",
            kind=kind,
            summary=summary,
            actor=recorded.by,
            request_id=recorded.request_id,
            payload_digest=payload_digest(data or {}),
            data=data,
        )
        if workflow.current_update_info() is not None:
            await persist(Activity.RECORD_DISPOSAL_STEP, step, bool, give_up=STEP_GIVE_UP)
            return
        try:
            await persist(Activity.RECORD_DISPOSAL_STEP, step, bool)
        except NotSaved as error:
            workflow.logger.error(
                "disposal event not saved", extra={"loan": self.state.loan_id, "error": error.message}
            )

    @asynccontextmanager
    async def _taking(self) -> AsyncIterator[None]:
        """A step under the lock; if its write fails for good, the disposal is put back as before the step and the
        step fails with a clear error (see LoanLifecycleWorkflow._step)."""
        if not self._started_written and workflow.patched(START_WRITTEN_FIRST):
            # A step sent with the start runs before `run` (the SDK applies a first task's updates first): it waits
            # for the start's write, so that the start comes first on the loan's timeline.
            await workflow.wait_condition(lambda: self._started_written)
        async with self._lock:
            if not after_acceptance():
                yield
                return
            before = self.state.model_dump_json()
            try:
                yield
            except NotSaved as error:
                self.state = DisposalState.model_validate_json(before, context=TRUSTED)
                raise ApplicationError(error.message, type=error.kind, non_retryable=True) from None

    async def _step(self, data: StepInput, kind: str, summary: str) -> DisposalStepResult:
        recorded = Recorded(by=data.actor, at=workflow.now(), request_id=data.request_id)
        self.state.steps.append(recorded)
        self.state.step = ORDER[ORDER.index(self.state.step) + 1]  # type: ignore[assignment]
        info = workflow.current_update_info()
        key = info.id if info is not None else f"{kind}-{len(self.state.steps)}"
        body = data.model_dump(mode="json", exclude={"actor", "request_id"})
        await self._persist(key, kind, summary, recorded, body)
        return DisposalStepResult(loan_id=self.state.loan_id, event=kind, state=self.state)

    @workflow.update
    async def update_valuation(self, data: UpdateDisposalValuationInput) -> DisposalStepResult:
        async with self._taking():
            self._check("valuation", data)
            self.state.valuation = DisposalValuationRequest(**data.model_dump(exclude={"actor", "request_id"}))
            return await self._step(
                data, "disposal_valuation", f"disposal valuation {data.report_number}: ¥{data.value:,.2f}"
            )

    @update_valuation.validator
    def _validate_update_valuation(self, data: UpdateDisposalValuationInput) -> None:
        self._check("valuation", data)
        self._rule(data.base_date <= shanghai_date(workflow.now()), "a report's base date cannot be in the future")

    @workflow.update
    async def choose_method(self, data: ChooseDisposalMethodInput) -> DisposalStepResult:
        async with self._taking():
            self._check("method", data)
            self.state.method = data.method
            return await self._step(data, "disposal_method", f"disposal by {data.method.value}")

    @choose_method.validator
    def _validate_choose_method(self, data: ChooseDisposalMethodInput) -> None:
        self._check("method", data)

    @workflow.update
    async def list_assets(self, data: ListDisposalAssetsInput) -> DisposalStepResult:
        async with self._taking():
            self._check("listing", data)
            self.state.listing = DisposalListingRequest(**data.model_dump(exclude={"actor", "request_id"}))
            return await self._step(
                data, "disposal_listed", f"listed at {data.venue} on {data.listed_on}, asking ¥{data.asking_price:,.2f}"
            )

    @list_assets.validator
    def _validate_list_assets(self, data: ListDisposalAssetsInput) -> None:
        self._check("listing", data)
        today, started = shanghai_date(workflow.now()), shanghai_date(self.state.started.at)
        self._rule(data.listed_on <= today, f"the listing date {data.listed_on} is in the future (today is {today})")
        self._rule(
            data.listed_on >= started, f"the listing date {data.listed_on} is before the disposal began on {started}"
        )

    @workflow.update
    async def record_sale(self, data: RecordDisposalSaleInput) -> DisposalStepResult:
        async with self._taking():
            self._check("sale", data)
            self.state.sale = DisposalSaleRequest(**data.model_dump(exclude={"actor", "request_id"}))
            return await self._step(
                data, "disposal_sold", f"sold to {data.buyer} for ¥{data.proceeds:,.2f} on {data.sold_on}"
            )

    @record_sale.validator
    def _validate_record_sale(self, data: RecordDisposalSaleInput) -> None:
        self._check("sale", data)
        assert self.state.listing is not None
        self._rule(data.sold_on >= self.state.listing.listed_on, "the sale cannot precede the listing")
        self._rule(data.sold_on <= shanghai_date(workflow.now()), "the sale date cannot be in the future")

    @workflow.update
    async def record_release(self, data: RecordDisposalReleaseInput) -> DisposalStepResult:
        async with self._taking():
            self._check("release", data)
            self.state.release = DisposalReleaseRequest(**data.model_dump(exclude={"actor", "request_id"}))
            return await self._step(
                data, "disposal_released", f"pledge released on transfer on {data.release_date} ({data.notice_number})"
            )

    @record_release.validator
    def _validate_record_release(self, data: RecordDisposalReleaseInput) -> None:
        self._check("release", data)
        assert self.state.sale is not None
        self._rule(data.release_date >= self.state.sale.sold_on, "the release cannot precede the sale")
        self._rule(data.release_date <= shanghai_date(workflow.now()), "the release date cannot be in the future")
