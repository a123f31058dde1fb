"""`make bench`: the console's pages against the JSON API calls that carry the same data, on a book of 10,000 loans.

One loan is driven through the real stack to disbursement (12 steps over HTTP); its read model — the loan row with
the workflow's state, its timeline and its repayment schedule — is then copied in SQL into a book of `--book` loans
of the same bank, so the pages read what a bank with that many loans would. The console (signed in as the bank's
officer with the dev sign-in) and the API (the same officer's bearer token) are called over real HTTP, interleaved
one by one, so both meet the same machine conditions. The figures are server time, as each answer's
`Server-Timing` header gives it (from the request's arrival to its answer starting: HTTP transfer left out):

- the case list `/console/loans` (open cases, latest activity first) beside the same `GET /loans` query;
- the loan page `/console/loans/{id}` beside `GET /loans/{id}` + `/timeline` + `/schedule` (the page shows all
  three), and beside `GET /loans/{id}` alone.

Prints one JSON object per figure; the last line is the summary with the goals (p99 under 100 ms for the case list
and the loan page; each page within 1.3× its API calls)."""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import text

from contracts.enums import IPKind, LegalStatus
from contracts.identifiers import patent_check_digit
from services.api.app import create_app
from services.api.state import AppResources
from services.platform.auth import TokenVerifier
from services.platform.embedded import EmbeddedPostgres, TemporalDevServer, free_port
from services.platform.logging import configure_logging
from services.platform.settings import ApiSettings, LogFormat, WorkerSettings
from services.platform.temporal import connect_temporal
from services.store.db import create_engine, session_factory
from services.store.migrate import upgrade
from services.store.reference import add
from services.store.seed import load_demo_data
from services.store.tables import IpAsset, Loan, LoanEvent, ScheduleLine
from services.workflows.worker import build_worker
from tests.bench.loan_bench import OFFICER, SECRET, Http, drive_loan, emit, percentile

WARM_UP = 30
# The case list's default (open cases, latest activity first) asked of the API.
API_LIST = "/loans?limit=25&active=true&sort=activity"


def _copy(table: str, columns: list[str], key: str, book: int) -> str:
    """SQL copying the template loan's rows of `table` to the loans bk000001.. of the book."""
    chosen = ", ".join(columns)
    values = ", ".join(
        "'bk' || lpad(n::text, 6, '0')"
        if c == key
        else f"{c} - n * interval '1 minute'"
        if c in ("opened_at", "updated_at")
        else c
        for c in columns
    )
    # Names from our own table metadata and an int: nothing here comes from outside.
    source = f"FROM {table}, generate_series(1, {int(book)}) AS n WHERE {key} = :template"
    return f"INSERT INTO {table} ({chosen}) SELECT {values} {source}"


async def make_book(sessions: object, template: str, book: int) -> None:
    loan_columns = [c.name for c in Loan.__table__.columns]  # type: ignore[attr-defined]
    event_columns = [c.name for c in LoanEvent.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
    line_columns = [c.name for c in ScheduleLine.__table__.columns if c.name != "id"]  # type: ignore[attr-defined]
    async with sessions() as session, session.begin():  # type: ignore[operator]
        await session.execute(text(_copy("loan", loan_columns, "id", book)), {"template": template})
        await session.execute(text(_copy("loan_event", event_columns, "loan_id", book)), {"template": template})
        await session.execute(text(_copy("schedule_line", line_columns, "loan_id", book)), {"template": template})
        await session.execute(text("ANALYZE"))


async def signed_in_console(base: str) -> httpx.AsyncClient:
    console = httpx.AsyncClient(base_url=base, timeout=60)
    page = await console.get("/console/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    signed = await console.post("/console/sign-in/dev", data={"sub": "officer.li@boc", "csrf_token": token.group(1)})
    assert signed.status_code == 303, signed.text
    return console


def server_time(response: httpx.Response) -> float:
    """The server's own time of a request (its `Server-Timing: app;dur=…` header), in milliseconds."""
    if response.status_code != 200:
        raise RuntimeError(f"{response.url}: {response.status_code} {response.text[:300]}")
    return float(response.headers["server-timing"].partition("dur=")[2])


async def call(client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None) -> float:
    return server_time(await client.get(path, headers=headers))


@asynccontextmanager
async def stack(root: Path) -> AsyncIterator[tuple[str, object, object]]:
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
        digits = "202410100001"
        async with sessions() as session, session.begin():
            await load_demo_data(session)
            await add(
                session,
                IpAsset(
                    id="bench-0",
                    kind=IPKind.INVENTION_PATENT.value,
                    number=f"{digits}.{patent_check_digit(digits)}",
                    title="基准专利",
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
        resources = AppResources(settings, engine, sessions, client, TokenVerifier.from_settings(settings))

        @asynccontextmanager
        async def factory(_: ApiSettings) -> AsyncIterator[AppResources]:
            yield resources

        port = free_port()
        app = create_app(settings, resources_factory=factory)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
            await asyncio.sleep(0.05)
        async with build_worker(client, session_factory(create_engine(url)), settings=WorkerSettings()):
            yield f"http://127.0.0.1:{port}", sessions, client
        server.should_exit = True
        await serving
    finally:
        temporal.stop()
        postgres.stop()


async def main(calls: int, book: int) -> None:
    configure_logging(LogFormat.CONSOLE, "WARNING")
    root = Path(tempfile.mkdtemp(prefix="pledgeflow-console-bench-"))
    async with stack(root) as (base, sessions, _), httpx.AsyncClient(base_url=base, timeout=120) as http:
        await drive_loan(Http(http), "bench-0")
        listed = (await http.get("/loans?limit=1", headers=OFFICER)).json()
        template = listed["items"][0]["id"]
        await make_book(sessions, template, book - 1)
        console = await signed_in_console(base)
        ids = [template] + [f"bk{n:06d}" for n in range(1, book)]
        figures: dict[str, list[float]] = {
            k: [] for k in ("console_list", "api_list", "console_loan", "api_loan", "api_loan_only")
        }
        for n in range(WARM_UP + calls):
            loan_id = random.choice(ids)
            measured = {
                "console_list": await call(console, "/console/loans"),
                "api_list": await call(http, API_LIST, OFFICER),
                "console_loan": await call(console, f"/console/loans/{loan_id}"),
                "api_loan": sum(
                    [
                        await call(http, f"/loans/{loan_id}", OFFICER),
                        await call(http, f"/loans/{loan_id}/timeline", OFFICER),
                        await call(http, f"/loans/{loan_id}/schedule", OFFICER),
                    ]
                ),
                "api_loan_only": await call(http, f"/loans/{loan_id}", OFFICER),
            }
            if n >= WARM_UP:
                for name, value in measured.items():
                    figures[name].append(value)
        await console.aclose()
    summary: dict[str, object] = {"book": book, "calls": calls}
    for name, samples in figures.items():
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        emit(figure=name, p50_ms=round(p50, 2), p99_ms=round(p99, 2))
        summary[f"{name}_p50_ms"], summary[f"{name}_p99_ms"] = round(p50, 2), round(p99, 2)
    list_ratio = percentile(figures["console_list"], 50) / percentile(figures["api_list"], 50)
    loan_ratio = percentile(figures["console_loan"], 50) / percentile(figures["api_loan"], 50)
    summary |= {
        "list_p50_ratio": round(list_ratio, 2),
        "loan_p50_ratio": round(loan_ratio, 2),
        "goal_list_p99_under_100ms": percentile(figures["console_list"], 99) < 100,
        "goal_loan_p99_under_100ms": percentile(figures["console_loan"], 99) < 100,
        "goal_list_within_1_3x": list_ratio <= 1.3,
        "goal_loan_within_1_3x": loan_ratio <= 1.3,
    }
    emit(**summary)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300, help="measured calls of each kind")
    parser.add_argument("--book", type=int, default=10_000, help="loans in the bank's book")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.calls, arguments.book))
