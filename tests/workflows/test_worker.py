"""The worker: audit activity through a workflow, one trace from request to activity, and time skipping."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from services.api.dependencies import TemporalDep
from services.platform.embedded import EmbeddedPostgres
from services.platform.settings import WorkerSettings
from services.store.audit import list_audit, verify_chains
from services.store.db import create_engine, session_factory
from services.workflows.worker import build_worker
from tests.conftest import fresh_database
from tests.workflows.probe import ProbeInput, ProbeWorkflow, SandboxProbeWorkflow

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="session")
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans recorded in this process (the global tracer provider can be set once per process)."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    trace.set_tracer_provider(provider)
    yield _EXPORTER
    provider.shutdown()


@pytest.fixture
async def committed_sessions(postgres: EmbeddedPostgres) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(await fresh_database(postgres))
    yield session_factory(engine)
    await engine.dispose()


class TestAuditActivity:
    async def test_workflow_records_audit_once(
        self, temporal_client: Client, committed_sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        queue = f"test-{uuid.uuid4().hex}"
        async with build_worker(temporal_client, committed_sessions, task_queue=queue, extra_workflows=[ProbeWorkflow]):
            result = await temporal_client.execute_workflow(
                ProbeWorkflow.run,
                ProbeInput(target_id="p1"),
                id=f"probe-{uuid.uuid4().hex}",
                task_queue=queue,
            )
        assert (result.chain, result.seq) == ("probe:p1", 1)
        async with committed_sessions() as session:
            assert [r.action for r in await list_audit(session, "probe:p1")] == ["probe.ran"]
            assert (await verify_chains(session)).ok


class TestSandboxSetting:
    @pytest.mark.parametrize("sandbox", [True, False])
    async def test_workflow_sandbox_setting_chooses_the_runner(
        self, sandbox: bool, temporal_client: Client, committed_sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        queue = f"test-{uuid.uuid4().hex}"
        settings = WorkerSettings(workflow_sandbox=sandbox)
        worker = build_worker(
            temporal_client,
            committed_sessions,
            task_queue=queue,
            settings=settings,
            extra_workflows=[SandboxProbeWorkflow],
        )
        async with worker:
            in_sandbox = await temporal_client.execute_workflow(
                SandboxProbeWorkflow.run, id=f"sandbox-{uuid.uuid4().hex}", task_queue=queue
            )
        assert in_sandbox is sandbox


class TestTracing:
    async def test_one_trace_from_request_to_activity(
        self,
        spans: InMemorySpanExporter,
        app_and_client: tuple[FastAPI, httpx.AsyncClient],
        temporal_client: Client,
        committed_sessions: async_sessionmaker[AsyncSession],
    ) -> None:
        app, client = app_and_client
        queue = f"test-{uuid.uuid4().hex}"

        async def probe(temporal: TemporalDep) -> dict[str, str]:
            result = await temporal.execute_workflow(
                ProbeWorkflow.run,
                ProbeInput(target_id="traced"),
                id=f"probe-{uuid.uuid4().hex}",
                task_queue=queue,
            )
            return {"hash": result.hash}

        app.add_api_route("/probe", probe, methods=["POST"])
        spans.clear()
        async with build_worker(temporal_client, committed_sessions, task_queue=queue, extra_workflows=[ProbeWorkflow]):
            response = await client.post("/probe")
        assert response.status_code == 200
        finished = spans.get_finished_spans()
        server = next(s for s in finished if s.name == "POST /probe")
        assert server.attributes is not None
        assert server.attributes["pledgeflow.request_id"] == response.headers["x-request-id"]
        trace_id = server.context.trace_id
        names = {s.name for s in finished if s.context.trace_id == trace_id}
        for expected in (
            "StartWorkflow:ProbeWorkflow",
            "RunWorkflow:ProbeWorkflow",
            "StartActivity:record_audit",
            "RunActivity:record_audit",
        ):
            assert expected in names, f"{expected} is not in the request's trace: {sorted(names)}"
        async with committed_sessions() as session:
            (record,) = await list_audit(session, "probe:traced")
        assert record.trace_id == format(trace_id, "032x")


class TestTimeSkipping:
    async def test_thirty_days_pass_in_seconds(
        self, time_skipping_env: WorkflowEnvironment, committed_sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        queue = f"test-{uuid.uuid4().hex}"
        client = time_skipping_env.client
        started = await time_skipping_env.get_current_time()
        async with build_worker(client, committed_sessions, task_queue=queue, extra_workflows=[ProbeWorkflow]):
            await client.execute_workflow(
                ProbeWorkflow.run,
                ProbeInput(target_id="slow", sleep_days=30),
                id=f"probe-{uuid.uuid4().hex}",
                task_queue=queue,
            )
        async with committed_sessions() as session:
            (record,) = await list_audit(session, "probe:slow")
        assert record.details is not None
        assert record.details["slept_days"] == 30
        assert (await time_skipping_env.get_current_time() - started).days >= 30
