"""The claim workflow's core: its state, lock, rules checked by validator and handler alike, and the write of
each accepted step after acceptance (services/workflows/persistence.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.base import (
        STEP_NOT_YOUR_STEP,
        STEP_RULE_VIOLATION,
        STEP_WRONG_STAGE,
        Recorded,
        StepInput,
    )
    from contracts.names import Activity
    from contracts.subsidy_claim import (
        ClaimInput,
        ClaimState,
        ClaimStatus,
        ClaimStepResult,
        ClaimUpdate,
        RecordClaimStepInput,
    )
    from contracts.types import TRUSTED
    from services.domain.calendar import shanghai_date
    from services.domain.subsidy import claim_rules
    from services.workflows.persistence import NotSaved, persist, step_event

STEP_GIVE_UP = timedelta(minutes=10)
INSTANT = timedelta(seconds=1)  # a timer set for a moment already past still waits a moment


class ClaimCore:
    state: ClaimState

    def _setup(self, data: ClaimInput) -> None:
        self.state = ClaimState(
            **data.model_dump(exclude={"drafted", "first"}),
            status=ClaimStatus.DRAFTED if data.drafted else ClaimStatus.FILED,
            revisions=[data.first],
        )
        if not data.drafted:  # a drafted claim's review clock starts at its confirmation
            self.state.review_clock_from = shanghai_date(data.first.filed.at)
        self._lock = asyncio.Lock()
        self._opened_written = False

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
        event = step_event(key, kind, summary, recorded, data)
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
