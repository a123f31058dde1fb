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
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from contracts.base import STEP_NOT_SAVED, STEP_NOT_SAVED_RETRY, Recorded
from contracts.disposal import DisposalInput, UpdateDisposalValuationInput
from contracts.loan_steps import LogVisitInput, SubmitApplicationInput
from contracts.queues import loan_workflow_id
from contracts.types import TRUSTED
from services.domain.calendar import SHANGHAI
from services.platform.settings import WorkerSettings
from services.store.db import create_engine, session_factory
from services.store.tables import LoanEvent, PledgeHold
from services.workflows.disposal import DisposalWorkflow
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
    """`call`, or a failure that shows the loan's history (what the loan waits on) if no answer comes in time."""
    task = asyncio.ensure_future(call)
    done, _ = await asyncio.wait([task], timeout=seconds)
    if task in done:
        task.result()
    else:
        task.cancel()
        events = [f"{e.event_id} {EventType.Name(e.event_type)}" async for e in handle.fetch_history_events()]
        pytest.fail(f"no answer in {seconds} s; the loan's history: {'; '.join(events[-40:])}")


class TestDatabaseAway:
    """On the dev server: the bound is 3 real seconds and nothing here needs time to skip. This test once waited
    without end in full runs: its first step had arrived with the start and been written before the opening, whose
    write then fell to the worker without a database and held the lock (TestAStepSentWithTheStart)."""

    async def test_a_write_given_up_after_its_bound_fails_cleanly(self, loans: Loans, temporal_client: Client) -> None:
        client = temporal_client
        queue = f"swap-{uuid.uuid4().hex}"
        settings = WorkerSettings(max_cached_workflows=0)  # no sticky cache: each worker replays the loan
        loan_id = uuid.uuid4().hex[:12]
        now = datetime.now(UTC)
        today = now.astimezone(SHANGHAI).date()
        async with build_worker(client, loans.sessions, task_queue=queue, settings=settings):
            opened = steps.open_input(loan_id, now, 5, {"persist_give_up_seconds": 3})
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


class TestAStepSentWithTheStart:
    async def test_waits_for_the_opening_so_the_timeline_begins_with_it(
        self, loans: Loans, temporal_client: Client
    ) -> None:
        """The SDK hands a workflow the updates of its first task before `run` starts: a step that arrives with
        the start once took the loan's lock first, was written before the opening, and left the opening's write
        to come after it (a timeline out of order, and a write that, with the database away, held the lock so
        that the next step waited without end)."""
        queue = f"first-{uuid.uuid4().hex}"
        loan_id = uuid.uuid4().hex[:12]
        now = datetime.now(UTC)
        handle = await temporal_client.start_workflow(
            LoanLifecycleWorkflow.run, steps.open_input(loan_id, now, 5), id=loan_workflow_id(loan_id), task_queue=queue
        )
        visit = asyncio.ensure_future(
            handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(now.astimezone(SHANGHAI).date()))
        )
        await asyncio.sleep(1)  # no worker yet: the start and the step wait for the same first workflow task
        async with build_worker(temporal_client, loans.sessions, task_queue=queue):
            await asyncio.wait_for(visit, 30)
            async with loans.sessions() as session:
                kinds = await session.execute(
                    select(col(LoanEvent.kind)).where(col(LoanEvent.loan_id) == loan_id).order_by(col(LoanEvent.seq))
                )
                assert list(kinds.scalars()) == ["opened", "visit_logged"]
            await handle.terminate("test finished")

    async def test_a_disposal_step_waits_for_the_disposal_start(self, loans: Loans, temporal_client: Client) -> None:
        loan = await loans.open()  # the loan whose timeline the disposal writes on
        loan_id = loan.id.removeprefix("loan-")
        queue = f"first-{uuid.uuid4().hex}"
        now = datetime.now(UTC)
        started = DisposalInput(
            loan_id=loan_id,
            bank_id=steps.OFFICER.org_id,
            enterprise_id="ent-1",
            assets=[steps.asset()],
            owed=Decimal("100000.00"),
            started=Recorded(by=steps.APPROVER, at=now),
        )
        handle = await temporal_client.start_workflow(
            DisposalWorkflow.run, started, id=f"disposal-{uuid.uuid4().hex}", task_queue=queue
        )
        valuation = UpdateDisposalValuationInput(
            actor=steps.OFFICER, value=Decimal("90000.00"), report_number="处置评估-1", base_date=now.date()
        )
        step = asyncio.ensure_future(handle.execute_update(DisposalWorkflow.update_valuation, valuation))
        await asyncio.sleep(1)  # no worker yet: the start and the step wait for the same first workflow task
        async with build_worker(temporal_client, loans.sessions, task_queue=queue):
            await asyncio.wait_for(step, 30)
            async with loans.sessions() as session:
                kinds = await session.execute(
                    select(col(LoanEvent.kind)).where(col(LoanEvent.loan_id) == loan_id).order_by(col(LoanEvent.seq))
                )
                assert list(kinds.scalars())[:2] == ["opened", "disposal_started"]
            await handle.terminate("test finished")
