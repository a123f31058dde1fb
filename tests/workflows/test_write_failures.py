"""A step whose write fails for good fails cleanly: the loan is as before the step and takes its next one.

The poison value that once wedged a loan (a NUL, which PostgreSQL cannot store) is sent straight to the workflow
here, past the API's validation, as a client that skipped it or a rule added later could: the database refuses
the write, the step fails at once with a clear error, and the loan goes on. And a write that cannot reach the
database is retried, then given up after the loan's bound, with the same clean failure.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from contracts.base import STEP_NOT_SAVED, STEP_NOT_SAVED_RETRY
from contracts.loan_steps import LogVisitInput, SubmitApplicationInput
from contracts.queues import loan_workflow_id
from contracts.types import TRUSTED
from services.platform.settings import WorkerSettings
from services.store.db import create_engine, session_factory
from services.store.tables import LoanEvent, PledgeHold
from services.workflows.loan.workflow import LoanLifecycleWorkflow
from services.workflows.worker import build_worker
from tests.workflows import loan_steps as steps
from tests.workflows.conftest import Loans, rejected


def poisoned(model: type[Any], good: Any, **fields: Any) -> Any:
    """`good` with `fields` changed, built as the worker reads history (no boundary checks)."""
    return model.model_validate({**good.model_dump(), **fields}, context=TRUSTED)


async def held(loans: Loans, loan_id: str) -> int:
    async with loans.sessions() as session:
        query = select(func.count()).where(col(PledgeHold.loan_id) == loan_id, col(PledgeHold.released_at).is_(None))
        return int((await session.execute(query)).scalar_one())


class TestDataTheDatabaseRefuses:
    async def test_a_nul_in_a_visit_fails_that_step_and_the_loan_goes_on(self, loans: Loans) -> None:
        handle = await loans.open()
        loan_id = handle.id.removeprefix("loan-")
        today = await loans.today()
        poison = poisoned(LogVisitInput, steps.visit(today), outcome="企业\u0000有需求")
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.log_visit, poison), STEP_NOT_SAVED, "could not be saved"
        )
        state = await handle.query(LoanLifecycleWorkflow.get_state)
        assert (state.visits, state.step_count) == ([], 0)  # as before the step
        assert await loans.count(LoanEvent, loan_id) == 1  # the opening only

        result = await handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(today))
        assert len(result.state.visits) == 1
        assert await loans.count(LoanEvent, loan_id) == 2

    async def test_an_application_that_cannot_be_saved_lets_go_of_its_assets(self, loans: Loans) -> None:
        handle = await loans.open()
        loan_id = handle.id.removeprefix("loan-")
        await handle.execute_update(LoanLifecycleWorkflow.review_qualification, steps.qualification())
        good = steps.application()
        product = good.product.model_copy(update={"name": "惠如愿\u0000知惠贷"})
        poison = poisoned(SubmitApplicationInput, good, product=product.model_dump())
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.submit_application, poison),
            STEP_NOT_SAVED,
            "could not be saved",
        )
        state = await handle.query(LoanLifecycleWorkflow.get_state)
        assert state.application is None
        assert state.stage.value == "guidance"
        assert await held(loans, loan_id) == 0  # the hold taken before the write was undone

        result = await handle.execute_update(LoanLifecycleWorkflow.submit_application, good)
        assert result.state.stage.value == "valuation"
        assert await held(loans, loan_id) == 1


async def within(seconds: float, call: Awaitable[None], handle: WorkflowHandle[Any, Any]) -> None:
    """`call`, or a failure that shows the loan's history: this step once waited without end in a full run (not
    reproduced since); if it does again, the history says on what."""
    try:
        async with asyncio.timeout(seconds):
            await call
    except TimeoutError:
        events = [f"{e.event_id} {EventType.Name(e.event_type)}" async for e in handle.fetch_history_events()]
        pytest.fail(f"no answer in {seconds} s; the loan's history: {'; '.join(events[-40:])}")


class TestDatabaseAway:
    async def test_a_write_given_up_after_its_bound_fails_cleanly(
        self, loans: Loans, time_skipping_env: WorkflowEnvironment
    ) -> None:
        client = time_skipping_env.client
        queue = f"swap-{uuid.uuid4().hex}"
        settings = WorkerSettings(max_cached_workflows=0)  # no sticky cache: each worker replays the loan
        loan_id = uuid.uuid4().hex[:12]
        today = await loans.today()
        async with build_worker(client, loans.sessions, task_queue=queue, settings=settings):
            opened = steps.open_input(
                loan_id, await time_skipping_env.get_current_time(), 5, {"persist_give_up_seconds": 3}
            )
            handle = await client.start_workflow(
                LoanLifecycleWorkflow.run, opened, id=loan_workflow_id(loan_id), task_queue=queue
            )
            await handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(today))
        # Now the loan's worker reaches no database (nothing listens on port 9): the step's write is retried, then
        # given up after the loan's bound, and the step fails with the loan as before it.
        dead = create_engine("postgresql://postgres@127.0.0.1:9/none")
        try:
            async with build_worker(client, session_factory(dead), task_queue=queue, settings=settings):
                refused = rejected(
                    handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(today)),
                    STEP_NOT_SAVED_RETRY,
                    "the database did not answer for 3 seconds",
                )
                await within(120, refused, handle)
                state = await handle.query(LoanLifecycleWorkflow.get_state)
                assert (len(state.visits), state.step_count) == (1, 1)
        finally:
            await dead.dispose()
        async with build_worker(client, loans.sessions, task_queue=queue, settings=settings):
            result = await handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(today))
            assert len(result.state.visits) == 2
            assert await loans.count(LoanEvent, loan_id) == 3  # the opening and the two visits that were taken
            await handle.terminate("test finished")
