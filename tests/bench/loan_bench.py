"""`make bench`: the cost of a loan step through the API against a raw Temporal update, on the embedded stack.

The raw updates and the HTTP steps are measured interleaved (one of each, in turn), so the ratio compares
them under the same machine conditions; so is, for reference, the raw update answering after a local activity
that does nothing (the floor of a step that answers once a local activity has persisted it).

Everything runs in one process against embedded PostgreSQL and the Temporal dev server started here: the
worker, the API (uvicorn on a free port, reached over real HTTP) and the load. Prints one JSON object per
figure; the last line holds the summary (`raw_update_p50_ms`, `step_p50_ms`, ratios, `loans_per_s`, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn

from contracts.enums import District, IPKind, LegalStatus, Role
from contracts.identifiers import patent_check_digit
from contracts.loan_state import StepResult
from contracts.loan_steps import LogVisitInput
from services.api.app import create_app
from services.api.state import AppResources
from services.cli.client import CarefulClient
from services.domain.calendar import shanghai_date
from services.platform.auth import TokenVerifier, mint_token
from services.platform.embedded import EmbeddedPostgres, TemporalDevServer, free_port
from services.platform.logging import configure_logging
from services.platform.settings import ApiSettings, LogFormat, WorkerSettings
from services.platform.temporal import connect_temporal
from services.store.db import create_engine, session_factory
from services.store.migrate import upgrade
from services.store.reference import add
from services.store.seed import load_demo_data
from services.store.tables import IpAsset
from services.workflows.worker import build_worker
from tests.api.bodies import PROPOSAL, QUALIFIED, application, valuation
from tests.bench.echo import BenchEchoWorkflow, Ping, bench_noop

SECRET = "bench-secret-0123456789-abcdefghijklmnop"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def emit(**figure: Any) -> None:
    print(json.dumps(figure, ensure_ascii=False), flush=True)


T = TypeVar("T")


async def timed(call: Awaitable[T], samples: list[float]) -> T:
    """Awaits `call` (a coroutine not yet started) and appends its wall time in milliseconds to `samples`."""
    started = time.perf_counter()
    result = await call
    samples.append((time.perf_counter() - started) * 1000)
    return result


def token(role: Role, org: str, district: District | None = None) -> dict[str, str]:
    return {
        "Authorization": "Bearer "
        + mint_token(SECRET, sub=f"bench-{role.value}", role=role, org_id=org, district=district)
    }


SPECIALIST = token(Role.STATION_SPECIALIST, "station-guangming", District.GUANGMING)
OFFICER = token(Role.BANK_OFFICER, "boc-shenzhen")
APPROVER = token(Role.BANK_APPROVER, "boc-shenzhen")
VALUER = token(Role.VALUER, "demo-appraisal")
GUARANTOR = token(Role.GUARANTOR, "sz-guarantee")


class Http:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.samples: list[float] = []

    async def get(self, path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await timed(self.client.get(path, headers=headers), self.samples)
        if response.status_code >= 300:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        result: dict[str, Any] = response.json()
        return result

    async def post(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        response = await timed(self.client.post(path, json=body, headers=headers), self.samples)
        if response.status_code >= 300:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        result: dict[str, Any] = response.json()
        return result


class CarefulHttp(Http):
    """What a client that may retry does (services/cli/client.py): each step with a key of its own, sent again on a
    503 after its Retry-After. Under 200 loans at once on two cores a step may pass its 15 s bound; the figure is
    the time to its final answer, retries included."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        super().__init__(client)
        self.careful = CarefulClient(client, deadline=600)

    async def post(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        response = await timed(self.careful.post(path, body, headers), self.samples)
        if response.status_code >= 300:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        result: dict[str, Any] = response.json()
        return result


async def drive_loan(http: Http, asset_id: str) -> None:
    """One loan from a new case to disbursement: 12 POSTs over HTTP."""
    day = shanghai_date(datetime.now(UTC)).isoformat()
    loan = await http.post("/loans", SPECIALIST, {"enterprise_id": "ent-guangming-demo"})
    base = f"/loans/{loan['id']}"
    await http.post(
        f"{base}/visits", SPECIALIST, {"visited_on": day, "people": ["周"], "place": "光明", "outcome": "ok"}
    )
    await http.post(f"{base}/qualification-review", SPECIALIST, QUALIFIED)
    await http.post(f"{base}/application", SPECIALIST, application(asset_id))
    await http.post(f"{base}/valuations", VALUER, valuation(asset_id, f"B-{loan['id']}"))
    await http.post(f"{base}/valuation-acceptance", OFFICER, {})
    await http.post(f"{base}/proposal", OFFICER, PROPOSAL)
    await http.post(f"{base}/approval-decision", APPROVER, {"approve": True, "reason": "同意"})
    await http.post(f"{base}/sign-offs", GUARANTOR, {"contract_number": "G-1", "fee": "1.00"})
    await http.post(f"{base}/registrations", OFFICER, {"asset_id": asset_id, "channel": "online", "filed_on": day})
    await http.post(
        f"{base}/registration-outcomes",
        OFFICER,
        {"asset_id": asset_id, "registered": True, "registration_number": f"R-{loan['id']}", "effective_date": day},
    )
    await http.post(
        f"{base}/disbursement",
        OFFICER,
        {"contract_number": f"C-{loan['id']}", "amount": "3000000.00", "disbursed_on": day, "voucher": "V"},
    )


STEPS_PER_LOAN = 12  # the POSTs of drive_loan, opening the case included
WARM_UP = 20  # sequential calls of each kind left out of the figures
VISIT_LOANS = 30  # the sequential visits (HTTP, keyed and direct) are spread over as many loans: ~50 each


async def main(calls: int, loans: int) -> None:
    configure_logging(LogFormat.CONSOLE, "WARNING")
    root = Path(tempfile.mkdtemp(prefix="pledgeflow-bench-"))
    postgres = EmbeddedPostgres(root / "pg", free_port(), log_path=root / "pg.log")
    temporal = TemporalDevServer(port=free_port(), ui_port=None, db_file=root / "temporal.db")
    postgres.start()
    temporal.start()
    try:
        postgres.create_database("bench")
        url = postgres.url("bench")
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url, pool_size=20)
        sessions = session_factory(engine)
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            await load_demo_data(session)
            for n in range(loans):
                digits = f"2024101{n:05d}"
                await add(
                    session,
                    IpAsset(
                        id=f"bench-{n}",
                        kind=IPKind.INVENTION_PATENT.value,
                        number=f"{digits}.{patent_check_digit(digits)}",
                        title=f"基准专利 {n}",
                        owner_enterprise_id="ent-guangming-demo",
                        co_owners=[],
                        expiry_date=now.date().replace(year=now.year + 15),
                        legal_status=LegalStatus.VALID.value,
                        fees_paid=True,
                        created_at=now,
                    ),
                )
        settings = ApiSettings(database_url=url, temporal_address=temporal.address, jwt_secret=SECRET)
        client = await connect_temporal(settings)
        resources = AppResources(
            settings=settings,
            engine=engine,
            sessions=sessions,
            temporal=client,
            verifier=TokenVerifier.from_settings(settings),
        )

        @asynccontextmanager
        async def factory(_: ApiSettings) -> AsyncIterator[AppResources]:
            yield resources

        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, resources_factory=factory),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                access_log=False,
            )
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
            await asyncio.sleep(0.05)
        # The worker has its own pool, as a separate process would in production.
        worker_engine = create_engine(url, pool_size=20, pre_ping=False)
        worker = build_worker(
            client,
            session_factory(worker_engine),
            settings=WorkerSettings(),
            extra_workflows=[BenchEchoWorkflow],
            extra_activities=[bench_noop],
        )
        limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
        async with worker, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits) as http:
            # 1 and 2. The raw update round trip and one step (log a visit) through HTTP: auth, loan lookup, update,
            # persistence, the loan's view. Interleaved call by call with the reference figures below, so a machine
            # that slows down or speeds up during the run moves every figure alike and the ratios stay fair.
            echo = await client.start_workflow(
                BenchEchoWorkflow.run, id=f"echo-{uuid.uuid4().hex}", task_queue=settings.task_queue
            )
            step = Http(http)
            day = shanghai_date(datetime.now(UTC)).isoformat()
            visit_loans = [
                (await step.post("/loans", SPECIALIST, {"enterprise_id": "ent-guangming-demo"}))["id"]
                for _ in range(VISIT_LOANS)
            ]
            step.samples.clear()
            raw: list[float] = []
            # References, to see where a step's time goes:
            # - the trivial update answering after a local activity that does nothing: the floor of any step that
            #   answers only once a local activity has persisted it;
            # - the same step sent straight to the workflow (no HTTP, no API): validation, persistence, the answer;
            # - the bare HTTP round trip through the app (every middleware; no authentication, database or Temporal);
            # - reading the loan over HTTP (authentication, one query, the view with the caller's actions);
            # - the step with an Idempotency-Key, as a client that may retry sends it (the key is claimed in the
            #   database before the step and the response stored after it).
            through_activity: list[float] = []
            direct: list[float] = []
            bare, read, keyed = Http(http), Http(http), Http(http)
            actor = {
                "sub": "bench",
                "role": "station_specialist",
                "org_id": "station-guangming",
                "district": "guangming",
            }
            raw_cpu = step_cpu = 0.0
            for n in range(calls + WARM_UP):
                warm = n < WARM_UP
                loan_id = visit_loans[n % len(visit_loans)]
                cpu = time.process_time()
                await timed(echo.execute_update(BenchEchoWorkflow.ping, Ping(n=n)), [] if warm else raw)
                raw_cpu += time.process_time() - cpu
                await timed(
                    echo.execute_update(BenchEchoWorkflow.ping_through_activity, Ping(n=n)),
                    [] if warm else through_activity,
                )
                cpu = time.process_time()
                await step.post(
                    f"/loans/{loan_id}/visits",
                    SPECIALIST,
                    {"visited_on": day, "people": ["周"], "place": "光明", "outcome": f"visit {n}"},
                )
                step_cpu += time.process_time() - cpu
                visit = LogVisitInput.model_validate(
                    {"actor": actor, "visited_on": day, "people": ["周"], "place": "光明", "outcome": f"direct {n}"}
                )
                handle = client.get_workflow_handle(f"loan-{loan_id}")
                await timed(
                    handle.execute_update("log_visit", visit, result_type=StepResult),
                    [] if warm else direct,
                )
                await keyed.post(
                    f"/loans/{loan_id}/visits",
                    {**SPECIALIST, "Idempotency-Key": f"bench-{uuid.uuid4().hex}"},
                    {"visited_on": day, "people": ["周"], "place": "光明", "outcome": f"keyed visit {n}"},
                )
                await bare.get("/healthz")
                await read.get(f"/loans/{loan_id}", SPECIALIST)
            raw_cpu, step_cpu = (total * 1000 / (calls + WARM_UP) for total in (raw_cpu, step_cpu))
            raw_p50, raw_p99 = statistics.median(raw), percentile(raw, 99)
            emit(
                figure="raw_update",
                calls=len(raw),
                p50_ms=round(raw_p50, 2),
                p99_ms=round(raw_p99, 2),
                cpu_ms_per_call=round(raw_cpu, 2),
            )
            for name, part in (
                ("raw_update_through_noop_local_activity", through_activity),
                ("direct_update_log_visit", direct),
                ("http_healthz", bare.samples[WARM_UP:]),
                ("http_get_loan", read.samples[WARM_UP:]),
                ("http_step_log_visit_with_idempotency_key", keyed.samples[WARM_UP:]),
            ):
                emit(
                    figure=name,
                    calls=len(part),
                    p50_ms=round(statistics.median(part), 2),
                    p99_ms=round(percentile(part, 99), 2),
                    p50_of_raw_update=round(statistics.median(part) / raw_p50, 2),
                )
            samples = step.samples[WARM_UP:]
            step_p50, step_p99 = statistics.median(samples), percentile(samples, 99)
            emit(
                figure="http_step_log_visit",
                calls=len(samples),
                p50_ms=round(step_p50, 2),
                p99_ms=round(step_p99, 2),
                p50_ratio=round(step_p50 / raw_p50, 2),
                p99_ratio=round(step_p99 / raw_p99, 2),
                # CPU of this process (client, API, worker and activities together) per call.
                cpu_ms_per_call=round(step_cpu, 2),
                target="p50 ≤ 1.5×, p99 ≤ 2× the raw update",
            )

            # 3. Many loans at once, case to disbursement, through HTTP.
            flow = CarefulHttp(http)
            started = time.perf_counter()
            await asyncio.gather(*(drive_loan(flow, f"bench-{n}") for n in range(loans)))
            wall = time.perf_counter() - started
            emit(
                figure="concurrent_loans",
                loans=loans,
                steps=len(flow.samples),
                retries=dict(flow.careful.retries),
                wall_s=round(wall, 2),
                loans_per_s=round(loans / wall, 2),
                step_p50_ms=round(statistics.median(flow.samples), 2),
                step_p99_ms=round(percentile(flow.samples, 99), 2),
            )

            # 4. The same number of raw updates, concurrently on as many workflows.
            echoes = [
                await client.start_workflow(
                    BenchEchoWorkflow.run, id=f"echo-{uuid.uuid4().hex}", task_queue=settings.task_queue
                )
                for _ in range(loans)
            ]
            raw_flow: list[float] = []

            async def raw_loan(handle: Any) -> None:
                for n in range(STEPS_PER_LOAN):
                    await timed(handle.execute_update(BenchEchoWorkflow.ping, Ping(n=n)), raw_flow)

            started = time.perf_counter()
            await asyncio.gather(*(raw_loan(h) for h in echoes))
            raw_wall = time.perf_counter() - started
            emit(
                figure="concurrent_raw_updates",
                workflows=loans,
                updates=len(raw_flow),
                wall_s=round(raw_wall, 2),
                loans_per_s=round(loans / raw_wall, 2),
                update_p99_ms=round(percentile(raw_flow, 99), 2),
            )
            for handle in [echo, *echoes]:
                await handle.signal(BenchEchoWorkflow.finish)
        server.should_exit = True
        await serving
        await engine.dispose()
        await worker_engine.dispose()
        emit(
            raw_update_p50_ms=round(raw_p50, 2),
            raw_update_p99_ms=round(raw_p99, 2),
            step_p50_ms=round(step_p50, 2),
            step_p99_ms=round(step_p99, 2),
            step_p50_ratio=round(step_p50 / raw_p50, 2),
            step_p99_ratio=round(step_p99 / raw_p99, 2),
            loans=loans,
            loans_per_s=round(loans / wall, 2),
            raw_loans_per_s=round(loans / raw_wall, 2),
            concurrent_step_p99_ms=round(percentile(flow.samples, 99), 2),
            concurrent_raw_update_p99_ms=round(percentile(raw_flow, 99), 2),
        )
    finally:
        temporal.stop()
        postgres.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500, help="sequential calls for the latency figures")
    parser.add_argument("--loans", type=int, default=200, help="loans driven concurrently")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.calls, arguments.loans))
