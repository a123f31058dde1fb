"""A worker killed in the middle of a step: after a new worker starts, the step completes exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from temporalio.client import Client

from contracts.loans import LoanUpdate, StepInput, StepResult
from contracts.queues import loan_workflow_id
from services.domain.calendar import shanghai_date
from services.platform.embedded import EmbeddedPostgres, TemporalDevServer
from services.store.db import create_engine, session_factory
from services.store.seed import load_demo_data
from services.store.tables import AuditRecord, LoanEvent
from tests.conftest import fresh_database
from tests.workflows import loan_steps as steps

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

    def __init__(self, database_url: str, temporal: str, queue: str, log: Path) -> None:
        env = {
            **os.environ,
            "PLEDGEFLOW_DATABASE_URL": database_url,
            "PLEDGEFLOW_TEMPORAL_ADDRESS": temporal,
            "PLEDGEFLOW_TASK_QUEUE": queue,
            "PLEDGEFLOW_LOG_LEVEL": "WARNING",
        }
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


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[list[WorkerProcess]]:
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
