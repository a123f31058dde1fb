"""A worker killed in the middle of a step: after a new worker starts, the step is in the workflow's state, its
timeline, its audit trail and its read model exactly once — or, if the workflow never accepted it, in none of them.

`pledgeflow worker` runs as a separate process and is SIGKILLed at a random instant, or by a crash point at the
exact instant where a step is written and Temporal has not heard of it yet (services/platform/faults.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from contracts.base import StepInput
from contracts.loan_state import LoanState, StepResult
from contracts.loans import LoanUpdate
from contracts.queues import loan_workflow_id
from services.domain.calendar import shanghai_date
from services.platform.embedded import EmbeddedPostgres, TemporalDevServer
from services.platform.faults import CRASH_AT
from services.store.db import create_engine, session_factory
from services.store.seed import load_demo_data
from services.store.tables import AuditRecord, Loan, LoanEvent
from tests.conftest import fresh_database
from tests.workflows import loan_steps as steps
from tests.workflows.broken import broken_worker, fail_workflow_tasks

pytestmark = pytest.mark.e2e


@pytest.fixture
async def database(postgres: EmbeddedPostgres) -> AsyncIterator[tuple[str, async_sessionmaker[AsyncSession]]]:
    url = await fresh_database(postgres)
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await load_demo_data(session)
    yield url, sessions
    await engine.dispose()


class WorkerProcess:
    """`pledgeflow worker` as a separate process, as in production."""

    def __init__(self, database_url: str, temporal: str, queue: str, log: Path, crash_at: str | None = None) -> None:
        env = {
            **os.environ,
            "PLEDGEFLOW_DATABASE_URL": database_url,
            "PLEDGEFLOW_TEMPORAL_ADDRESS": temporal,
            "PLEDGEFLOW_TASK_QUEUE": queue,
            "PLEDGEFLOW_LOG_LEVEL": "WARNING",
        }
        if crash_at is not None:
            env[CRASH_AT] = crash_at
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli.main", "worker"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    async def died(self, within: float) -> bool:
        for _ in range(int(within / 0.1)):
            if self.process.poll() is not None:
                return True
            await asyncio.sleep(0.1)
        return False


# A dead worker's workflow task is handed on once its time is out: 2 s rather than Temporal's 10 s keeps the tests
# short and changes nothing of what they prove (every instant of the step is still crossed).
TASK_TIMEOUT = timedelta(seconds=2)


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()


async def _count(sessions: async_sessionmaker[AsyncSession], model: type, loan_id: str) -> int:
    column = model.chain if model is AuditRecord else model.loan_id  # type: ignore[attr-defined]
    value = f"loan:{loan_id}" if model is AuditRecord else loan_id
    async with sessions() as session:
        return int((await session.execute(select(func.count()).where(col(column) == value))).scalar_one())


@pytest.mark.parametrize("kill_after", [0.0, 0.3], ids=["at-once", "mid-step"])
async def test_step_completes_exactly_once(
    kill_after: float,
    database: tuple[str, async_sessionmaker[AsyncSession]],
    temporal_server: TemporalDevServer,
    temporal_client: Client,
    workers: list[WorkerProcess],
    tmp_path: Path,
) -> None:
    url, sessions = database
    queue = f"crash-{uuid.uuid4().hex}"
    loan_id = uuid.uuid4().hex[:12]
    workers.append(WorkerProcess(url, temporal_server.address, queue, tmp_path / "worker1.log"))
    handle = await temporal_client.start_workflow(
        "LoanLifecycleWorkflow",
        steps.open_input(loan_id, datetime.now(UTC)),
        id=loan_workflow_id(loan_id),
        task_queue=queue,
        task_timeout=TASK_TIMEOUT,
    )
    await handle.execute_update(LoanUpdate.OPENED.value, StepInput(actor=steps.SPECIALIST), result_type=StepResult)

    visit = steps.visit(shanghai_date(datetime.now(UTC)))
    step = asyncio.create_task(
        handle.execute_update(LoanUpdate.LOG_VISIT.value, visit, id=f"visit-{loan_id}", result_type=StepResult)
    )
    await asyncio.sleep(kill_after)
    workers[0].kill()
    workers.append(WorkerProcess(url, temporal_server.address, queue, tmp_path / "worker2.log"))
    result = await asyncio.wait_for(step, timeout=90)

    assert len(result.state.visits) == 1
    assert await _count(sessions, LoanEvent, loan_id) == 2  # opened + the visit, once
    assert await _count(sessions, AuditRecord, loan_id) == 2
    # The same update id again (a client retry) returns the same outcome and records nothing more.
    again = await handle.execute_update(
        LoanUpdate.LOG_VISIT.value, visit, id=f"visit-{loan_id}", result_type=StepResult
    )
    assert len(again.state.visits) == 1
    assert await _count(sessions, LoanEvent, loan_id) == 2
    await handle.terminate("test finished")


async def _open(client: Client, queue: str) -> tuple[str, WorkflowHandle[Any, Any]]:
    loan_id = uuid.uuid4().hex[:12]
    handle = await client.start_workflow(
        "LoanLifecycleWorkflow",
        steps.open_input(loan_id, datetime.now(UTC)),
        id=loan_workflow_id(loan_id),
        task_queue=queue,
        task_timeout=TASK_TIMEOUT,
    )
    await handle.execute_update(LoanUpdate.OPENED.value, StepInput(actor=steps.SPECIALIST), result_type=StepResult)
    return loan_id, handle


async def _accepted_in_history(handle: WorkflowHandle[Any, Any], update_id: str) -> bool:
    async for event in handle.fetch_history_events():
        accepted = event.workflow_execution_update_accepted_event_attributes
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED and (
            accepted.accepted_request.meta.update_id == update_id
        ):
            return True
    return False


async def _agrees(sessions: async_sessionmaker[AsyncSession], handle: WorkflowHandle[Any, Any], loan_id: str) -> None:
    """The database records exactly what the workflow accepted: every step once, nothing it did not take."""
    state = await handle.query("get_state", result_type=LoanState)
    accepted = state.step_count + 1  # the steps and the opening
    assert await _count(sessions, LoanEvent, loan_id) == accepted
    assert await _count(sessions, AuditRecord, loan_id) == accepted
    async with sessions() as session:
        row = await session.get(Loan, loan_id)
    assert row is not None
    assert (row.stage, row.step_count) == (state.stage.value, state.step_count)


class TestCrashAfterTheWrite:
    """The worker dies right after a step's write commits, before Temporal hears that it was written."""

    async def test_retry_with_the_same_key_finds_the_step_once(
        self,
        database: tuple[str, async_sessionmaker[AsyncSession]],
        temporal_server: TemporalDevServer,
        temporal_client: Client,
        workers: list[WorkerProcess],
        tmp_path: Path,
    ) -> None:
        url, sessions = database
        queue = f"crash-{uuid.uuid4().hex}"
        crash_at = "record_loan_step.committed:visit_logged"
        workers.append(WorkerProcess(url, temporal_server.address, queue, tmp_path / "w1.log", crash_at=crash_at))
        loan_id, handle = await _open(temporal_client, queue)
        visit = steps.visit(shanghai_date(datetime.now(UTC)))
        first = asyncio.create_task(
            handle.execute_update(LoanUpdate.LOG_VISIT.value, visit, id=f"visit-{loan_id}", result_type=StepResult)
        )
        assert await workers[0].died(within=30), "the crash point was not reached"
        # At the instant the step was in the database, Temporal already held the step's acceptance.
        assert await _count(sessions, LoanEvent, loan_id) == 2
        assert await _accepted_in_history(handle, f"visit-{loan_id}")
        workers.append(WorkerProcess(url, temporal_server.address, queue, tmp_path / "w2.log"))
        result = await asyncio.wait_for(first, timeout=90)
        # The client's retry (same Idempotency-Key, so the same update id) gets the same outcome.
        again = await handle.execute_update(
            LoanUpdate.LOG_VISIT.value, visit, id=f"visit-{loan_id}", result_type=StepResult
        )
        assert len(result.state.visits) == len(again.state.visits) == 1
        await _agrees(sessions, handle, loan_id)
        await handle.terminate("test finished")

    async def test_never_retried_leaves_no_phantom(
        self,
        database: tuple[str, async_sessionmaker[AsyncSession]],
        temporal_server: TemporalDevServer,
        temporal_client: Client,
        workers: list[WorkerProcess],
        tmp_path: Path,
    ) -> None:
        url, sessions = database
        queue = f"crash-{uuid.uuid4().hex}"
        crash_at = "record_loan_step.committed:visit_logged"
        workers.append(WorkerProcess(url, temporal_server.address, queue, tmp_path / "w1.log", crash_at=crash_at))
        loan_id, handle = await _open(temporal_client, queue)
        visit = steps.visit(shanghai_date(datetime.now(UTC)))
        caller = asyncio.create_task(
            handle.execute_update(LoanUpdate.LOG_VISIT.value, visit, id=f"visit-{loan_id}", result_type=StepResult)
        )
        assert await workers[0].died(within=30), "the crash point was not reached"
        assert await _count(sessions, LoanEvent, loan_id) == 2
        assert await _accepted_in_history(handle, f"visit-{loan_id}")
        caller.cancel()  # the client gives up and never asks again
        with contextlib.suppress(asyncio.CancelledError, WorkflowUpdateRPCTimeoutOrCancelledError):
            await caller
        # The next worker cannot run the loan for a while (a bad deployment): its workflow tasks fail, which makes
        # Temporal drop updates it has not seen accepted. A step written before its acceptance would be lost here
        # from the workflow, and left in the database.
        async with broken_worker(temporal_client, queue):
            await fail_workflow_tasks(handle)
        workers.append(WorkerProcess(url, temporal_server.address, queue, tmp_path / "w2.log"))

        # Once a worker runs the loan again, the workflow and the database agree: the visit was accepted before it
        # was written, so the workflow completes it on its own, and it is in both, once.
        state = None
        for _ in range(300):
            with contextlib.suppress(RPCError):  # refused while the new worker takes over the failed task
                state = await handle.query("get_state", result_type=LoanState)
            if state is not None and state.visits:
                break
            await asyncio.sleep(0.1)
        assert state is not None
        assert len(state.visits) == 1
        await _agrees(sessions, handle, loan_id)
        await handle.terminate("test finished")
