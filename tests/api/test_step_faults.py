"""Transient is 503, final is 4xx, and only final answers are stored under an Idempotency-Key.

Against the real Temporal dev server and PostgreSQL, with the loan's worker stopped, broken or swapped during a step:
- Temporal refusing an update because the loan's workflow task keeps failing (FAILED_PRECONDITION) → 503 with
  `Retry-After`, nothing stored, and the same key succeeds once a healthy worker is back;
- a step past its time bound → 503, the key free; the retry joins the same update; one answer for the key;
- a loan whose workflow has ended → 409 said from what the loan is.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import Worker

from contracts.loan_state import LoanState
from contracts.queues import loan_workflow_id
from services.api.app import create_app
from services.api.state import AppResources
from services.platform.auth import TokenVerifier
from services.platform.embedded import EmbeddedPostgres
from services.platform.settings import ApiSettings, WorkerSettings
from services.store.db import create_engine, session_factory
from services.store.tables import AuditRecord, IdempotencyRecord, LoanEvent
from services.workflows.worker import build_worker
from tests.api.loan_stack import SPECIALIST, Stack, today
from tests.conftest import TEST_JWT_SECRET, fresh_database, start_client
from tests.workflows.broken import broken_worker, fail_workflow_tasks, until

pytestmark = pytest.mark.e2e

VISIT = {"visited_on": "", "people": ["周光明"], "place": "光明区", "outcome": "有融资需求"}


@dataclass
class Faulty(Stack):
    """A loans stack whose worker the test starts, stops and swaps, on a task queue of its own."""

    temporal: Client
    queue: str
    worker: Worker | None = None
    _running: asyncio.Task[None] | None = None

    def good_worker(self) -> Worker:
        # No sticky cache: a stopped worker's loans go straight to the next one (tests need no 10 s hand-over).
        return build_worker(
            self.temporal, self.sessions, task_queue=self.queue, settings=WorkerSettings(max_cached_workflows=0)
        )

    def worker_without_database(self) -> Worker:
        """A worker whose database never answers (nothing listens on port 9)."""
        dead = session_factory(create_engine("postgresql://postgres@127.0.0.1:9/none"))
        return build_worker(self.temporal, dead, task_queue=self.queue, settings=WorkerSettings(max_cached_workflows=0))

    def broken_worker(self) -> Worker:
        return broken_worker(self.temporal, self.queue)

    async def run(self, make: Callable[[], Worker]) -> None:
        """Stop the running worker (one per task queue and process), then start the one `make` builds."""
        await self.stop()
        self.worker = make()
        self._running = asyncio.create_task(self.worker.run())

    async def stop(self) -> None:
        if self.worker is not None:
            assert self._running is not None
            await self.worker.shutdown()
            await self._running
            self.worker = None

    async def workflow_state(self, loan_id: str) -> LoanState:
        handle = self.temporal.get_workflow_handle(loan_workflow_id(loan_id))
        state: LoanState = await handle.query("get_state", result_type=LoanState)
        return state

    async def stored(self, key: str) -> IdempotencyRecord | None:
        async with self.sessions() as session:
            query = select(IdempotencyRecord).where(col(IdempotencyRecord.key) == key)
            record: IdempotencyRecord | None = (await session.execute(query)).scalar_one_or_none()
            return record


@asynccontextmanager
async def faulty_stack(postgres: EmbeddedPostgres, temporal: Client, **settings: Any) -> AsyncIterator[Faulty]:
    from services.store.db import create_engine, session_factory
    from services.store.seed import load_demo_data

    url = await fresh_database(postgres)
    engine = create_engine(url)
    sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
    async with sessions() as session, session.begin():
        await load_demo_data(session)
    queue = f"faults-{uuid.uuid4().hex}"
    api_settings = ApiSettings(
        database_url=url, temporal_address="unused:0", jwt_secret=TEST_JWT_SECRET, task_queue=queue, **settings
    )
    resources = AppResources(
        settings=api_settings,
        engine=engine,
        sessions=sessions,
        temporal=temporal,
        verifier=TokenVerifier.from_settings(api_settings),
    )

    @asynccontextmanager
    async def factory(_: ApiSettings) -> AsyncIterator[AppResources]:
        yield resources

    app = create_app(api_settings, resources_factory=factory)
    async with app.router.lifespan_context(app), await start_client(app) as client:
        stack = Faulty(client, sessions, app, temporal, queue)
        try:
            yield stack
        finally:
            await stack.stop()
            async for workflow_id in _loans(temporal, queue):
                await temporal.get_workflow_handle(workflow_id).terminate("test finished")
    await engine.dispose()


async def _loans(temporal: Client, queue: str) -> AsyncIterator[str]:
    async for execution in temporal.list_workflows(f"TaskQueue = '{queue}' AND ExecutionStatus = 'Running'"):
        yield execution.id


async def open_loan(stack: Faulty) -> str:
    await stack.run(stack.good_worker)
    loan = await stack.post("/loans", SPECIALIST, {"enterprise_id": "ent-guangming-demo"}, expect=201)
    return str(loan["id"])


async def retry_until_final(stack: Faulty, path: str, body: dict[str, Any], key: str, within: float) -> httpx.Response:
    """What a careful client does: the same key again until the answer is final; each transient answer is a
    503 problem with Retry-After (or 409 in flight while the first attempt has not let go of the key)."""
    for _ in range(int(within / 0.5)):
        response = await stack.client.post(path, json=body, headers=stack.headers(SPECIALIST, key=key))
        transient = response.status_code == 503 or response.json().get("type", "").endswith("key-in-flight")
        if not transient:
            return response
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) >= 1
        await asyncio.sleep(0.5)
    raise AssertionError(f"no final answer within {within} s")


async def recorded(stack: Faulty, loan_id: str) -> tuple[int, int]:
    return await stack.count(LoanEvent, loan_id), await stack.count(AuditRecord, loan_id)


@pytest.fixture
async def stack(postgres: EmbeddedPostgres, temporal_client: Client) -> AsyncIterator[Faulty]:
    async with faulty_stack(postgres, temporal_client, step_timeout_seconds=3) as stack:
        yield stack


class TestWorkflowNotReady:
    async def test_refused_update_is_503_and_the_same_key_succeeds_later(self, stack: Faulty) -> None:
        loan_id = await open_loan(stack)
        handle = stack.temporal.get_workflow_handle(loan_workflow_id(loan_id))
        await stack.run(stack.broken_worker)
        await fail_workflow_tasks(handle)
        body = {**VISIT, "visited_on": today()}
        path = f"/loans/{loan_id}/visits"
        refused = await stack.client.post(path, json=body, headers=stack.headers(SPECIALIST, key="visit-1"))
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"].endswith("/workflow-busy")  # refused, not timed out
        assert "Send the same request again" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) >= 1
        # Transient answers are never stored: the key is free again.
        await until(lambda: _released(stack, "visit-1"), 5, "the key released")

        await stack.run(stack.good_worker)
        answer = await retry_until_final(stack, path, body, "visit-1", within=60)
        assert answer.status_code == 200, answer.text
        assert len((await stack.workflow_state(loan_id)).visits) == 1
        assert await recorded(stack, loan_id) == (2, 2)  # opened + the visit, once


class TestStepTimeBound:
    async def test_step_past_its_bound_is_503_and_the_retry_joins_it(self, stack: Faulty) -> None:
        loan_id = await open_loan(stack)
        await stack.stop()  # nobody runs the loan: the step waits
        body = {**VISIT, "visited_on": today()}
        path = f"/loans/{loan_id}/visits"
        slow = await stack.client.post(path, json=body, headers=stack.headers(SPECIALIST, key="visit-2"))
        assert slow.status_code == 503, slow.text
        assert slow.json()["type"].endswith("/step-still-running")
        assert "same Idempotency-Key" in slow.json()["detail"]
        await until(lambda: _released(stack, "visit-2"), 5, "the key released")

        await stack.run(stack.good_worker)
        # The update sent before goes on as soon as a worker runs the loan, whether or not anybody asks again.
        await until(lambda: _visits(stack, loan_id, 1), 30, "the first update applied")
        answer = await retry_until_final(stack, path, body, "visit-2", within=30)
        assert answer.status_code == 200, answer.text
        assert "idempotent-replayed" not in answer.headers
        again = await stack.client.post(path, json=body, headers=stack.headers(SPECIALIST, key="visit-2"))
        assert again.headers["idempotent-replayed"] == "true"
        assert again.content == answer.content  # one key, one answer
        assert len((await stack.workflow_state(loan_id)).visits) == 1
        assert await recorded(stack, loan_id) == (2, 2)


class TestWriteGivenUp:
    async def test_a_step_whose_write_gave_up_goes_through_when_sent_again_with_its_key(
        self, postgres: EmbeddedPostgres, temporal_client: Client
    ) -> None:
        async with faulty_stack(
            postgres, temporal_client, step_timeout_seconds=6, request_timeout_seconds=8, persist_give_up_seconds=2
        ) as stack:
            loan_id = await open_loan(stack)
            await stack.run(stack.worker_without_database)
            body = {**VISIT, "visited_on": today()}
            path = f"/loans/{loan_id}/visits"
            failed = await stack.client.post(path, json=body, headers=stack.headers(SPECIALIST, key="visit-4"))
            assert failed.status_code == 503, failed.text  # given up (nothing changed): the same request may come again
            assert failed.json()["type"].endswith(("/step-not-saved-yet", "/step-still-running"))
            await until(lambda: _released(stack, "visit-4"), 5, "the key released")
            assert await recorded(stack, loan_id) == (1, 1)  # nothing of the visit written

            await stack.run(stack.good_worker)
            answer = await retry_until_final(stack, path, body, "visit-4", within=60)
            assert answer.status_code == 200, answer.text
            assert len((await stack.workflow_state(loan_id)).visits) == 1
            assert await recorded(stack, loan_id) == (2, 2)


class TestEndedLoan:
    async def test_a_closed_loan_is_409_from_what_it_is(self, stack: Faulty) -> None:
        loan_id = await open_loan(stack)
        await stack.post(f"/loans/{loan_id}/withdrawal", SPECIALIST, {"reason": "企业暂不融资"})
        await until(lambda: _closed(stack, loan_id), 10, "the workflow closed")
        body = {**VISIT, "visited_on": today()}
        answer = await stack.client.post(
            f"/loans/{loan_id}/visits", json=body, headers=stack.headers(SPECIALIST, key="visit-3")
        )
        assert answer.status_code == 409, answer.text
        assert "current stage: withdrawn" in answer.json()["detail"]
        stored = await stack.stored("visit-3")
        assert stored is not None
        assert stored.status_code == 409  # final: stored and replayed


async def _released(stack: Faulty, key: str) -> bool:
    return await stack.stored(key) is None


async def _visits(stack: Faulty, loan_id: str, count: int) -> bool:
    return len((await stack.workflow_state(loan_id)).visits) == count


async def _closed(stack: Faulty, loan_id: str) -> bool:
    handle = stack.temporal.get_workflow_handle(loan_workflow_id(loan_id))
    return (await handle.describe()).status is not WorkflowExecutionStatus.RUNNING
