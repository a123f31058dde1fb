"""Fixtures of the workflow tests: a seeded database per test and a worker on the time-skipping server."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from contracts.loan_state import LoanState
from contracts.queues import loan_workflow_id
from services.domain.calendar import SHANGHAI
from services.platform.settings import WorkerSettings
from services.store.tables import AuditRecord, WebhookDelivery
from services.workflows.loan.workflow import LoanLifecycleWorkflow
from services.workflows.worker import build_worker
from tests.workflows import loan_steps as steps


@dataclass
class Loans:
    env: WorkflowEnvironment
    sessions: async_sessionmaker[AsyncSession]
    queue: str
    handles: list[WorkflowHandle[LoanLifecycleWorkflow, LoanState]] = field(default_factory=list)

    async def today(self) -> date:
        return (await self.env.get_current_time()).astimezone(SHANGHAI).date()

    async def open(
        self, reminder_days: int = 5, config: dict[str, object] | None = None
    ) -> WorkflowHandle[LoanLifecycleWorkflow, LoanState]:
        loan_id = uuid.uuid4().hex[:12]
        handle = await self.env.client.start_workflow(
            LoanLifecycleWorkflow.run,
            steps.open_input(loan_id, await self.env.get_current_time(), reminder_days, config),
            id=loan_workflow_id(loan_id),
            task_queue=self.queue,
        )
        self.handles.append(handle)
        return handle

    async def terminate_all(self) -> None:
        """End this test's loans: the shared time-skipping server would otherwise wait on their timers'
        workflow tasks, whose worker is gone, before skipping time for the next test."""
        ids = [handle.id for handle in self.handles]
        ids += [f"disposal-{handle.id.removeprefix('loan-')}" for handle in self.handles]
        async with self.sessions() as session:
            rows = await session.execute(select(col(WebhookDelivery.loan_id), col(WebhookDelivery.id)))
            ids += [f"webhook-{loan_id}-{delivery_id}" for loan_id, delivery_id in rows.all()]
        for workflow_id in ids:
            with contextlib.suppress(RPCError):
                await self.env.client.get_workflow_handle(workflow_id).terminate("test finished")

    async def advance(
        self,
        handle: WorkflowHandle[LoanLifecycleWorkflow, LoanState],
        done: Callable[[LoanState], bool],
        *,
        until: date,
    ) -> LoanState:
        """Skip time in 6-hour steps until `done(state)` or the start of `until` (Shanghai); return the state."""
        limit = datetime.combine(until, time.min, tzinfo=SHANGHAI)
        while True:
            state = await handle.query(LoanLifecycleWorkflow.get_state)
            now = await self.env.get_current_time()
            if done(state) or now >= limit:
                return state
            await self.env.sleep(min(timedelta(hours=6), limit - now))

    async def count(self, model: type, loan_id: str) -> int:
        column = model.chain if model is AuditRecord else model.loan_id  # type: ignore[attr-defined]
        value = f"loan:{loan_id}" if model is AuditRecord else loan_id
        async with self.sessions() as session:
            return int((await session.execute(select(func.count()).where(col(column) == value))).scalar_one())

    async def to_approval(self, handle: WorkflowHandle[LoanLifecycleWorkflow, LoanState], **app: object) -> None:
        today = await self.today()
        await handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(today))
        await handle.execute_update(LoanLifecycleWorkflow.review_qualification, steps.qualification())
        await handle.execute_update(LoanLifecycleWorkflow.submit_application, steps.application(**app))  # type: ignore[arg-type]
        await handle.execute_update(LoanLifecycleWorkflow.submit_valuation, steps.valuation(today))
        await handle.execute_update(LoanLifecycleWorkflow.accept_valuation, steps.accept())

    async def to_registration(
        self,
        handle: WorkflowHandle[LoanLifecycleWorkflow, LoanState],
        guarantor: str | None = None,
        **terms: object,
    ) -> None:
        await self.to_approval(handle, **{k: v for k, v in terms.items() if k in ("assets", "term")})
        proposal = {k: v for k, v in terms.items() if k in ("term", "mode", "amount")}
        await handle.execute_update(
            LoanLifecycleWorkflow.propose_terms,
            steps.proposal(guarantor=guarantor, **proposal),  # type: ignore[arg-type]
        )
        await handle.execute_update(LoanLifecycleWorkflow.decide_approval, steps.decide())


@pytest.fixture
async def loans(
    request: pytest.FixtureRequest,
    time_skipping_env: WorkflowEnvironment,
    seeded_sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Loans]:
    """A worker for this test's loans; sandboxed unless a test parametrises it (indirect) with False."""
    queue = f"loans-{uuid.uuid4().hex}"
    loans = Loans(time_skipping_env, seeded_sessions, queue)
    settings = WorkerSettings(workflow_sandbox=getattr(request, "param", True))
    async with build_worker(time_skipping_env.client, seeded_sessions, task_queue=queue, settings=settings):
        try:
            yield loans
        finally:
            await loans.terminate_all()


async def rejected(call: object, kind: str, text: str) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await call  # type: ignore[misc]
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == kind, cause.message
    assert text in cause.message
