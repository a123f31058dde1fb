"""The production shape on one machine, for fault injection: PostgreSQL, the Temporal dev server, one worker and
one API, each a separate process that can be killed and restarted while loans are in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from contracts.enums import IPKind, LegalStatus
from contracts.identifiers import patent_check_digit
from services.platform.embedded import EmbeddedPostgres, ManagedProcess, TemporalDevServer, free_port, python_command
from services.store.db import create_engine, session_factory
from services.store.migrate import upgrade
from services.store.reference import add
from services.store.seed import load_demo_data
from services.store.tables import IpAsset

SECRET = "chaos-secret-0123456789-abcdefghijklmnop"
OWNER = "ent-guangming-demo"


def asset_id(n: int) -> str:
    return f"chaos-{n}"


async def add_assets(url: str, count: int) -> None:
    """The demo data and `count` free invention patents of the demo enterprise, one per loan."""
    engine = create_engine(url, pool_size=2)
    now = datetime.now(UTC)
    try:
        async with session_factory(engine)() as session, session.begin():
            await load_demo_data(session)
            for n in range(count):
                digits = f"2025101{n:05d}"
                await add(
                    session,
                    IpAsset(
                        id=asset_id(n),
                        kind=IPKind.INVENTION_PATENT.value,
                        number=f"{digits}.{patent_check_digit(digits)}",
                        title=f"故障注入专利 {n}",
                        owner_enterprise_id=OWNER,
                        co_owners=[],
                        expiry_date=now.date().replace(year=now.year + 15),
                        legal_status=LegalStatus.VALID.value,
                        fees_paid=True,
                        created_at=now,
                    ),
                )
    finally:
        await engine.dispose()


@dataclass
class ChaosStack:
    """Every part on free ports under `root`; `kill_worker`, `restart_api`, ... act on one part at a time."""

    root: Path
    api_env: dict[str, str] = field(default_factory=dict)
    postgres: EmbeddedPostgres = field(init=False)
    temporal: TemporalDevServer = field(init=False)
    worker: ManagedProcess | None = field(default=None, init=False)
    api: ManagedProcess | None = field(default=None, init=False)
    api_port: int = field(default_factory=free_port, init=False)
    starts: dict[str, int] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.logs = self.root / "logs"
        self.postgres = EmbeddedPostgres(self.root / "pg", free_port(), log_path=self.logs / "postgres.log")
        self.temporal = TemporalDevServer(
            port=free_port(), ui_port=None, db_file=self.root / "temporal.db", log_path=self.logs / "temporal.log"
        )

    @property
    def database_url(self) -> str:
        return self.postgres.url("chaos")

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PLEDGEFLOW_ENVIRONMENT": "development",
            "PLEDGEFLOW_DATABASE_URL": self.database_url,
            "PLEDGEFLOW_TEMPORAL_ADDRESS": self.temporal.address,
            "PLEDGEFLOW_JWT_SECRET": SECRET,
            "PLEDGEFLOW_API_PORT": str(self.api_port),
            "PLEDGEFLOW_LOG_LEVEL": "WARNING",
            "PLEDGEFLOW_LOG_FORMAT": "json",
            "PLEDGEFLOW_DOCUMENTS_DIR": str(self.root / "documents"),
            **self.api_env,
        }

    def _start(self, name: str) -> ManagedProcess:
        self.starts[name] = self.starts.get(name, 0) + 1
        process = ManagedProcess(
            name, python_command(name), env=self._env(), log_path=self.logs / f"{name}-{self.starts[name]}.log"
        )
        process.start()
        return process

    async def start(self, assets: int) -> None:
        # Started from this thread, not a worker thread: the servers die with the thread that started them
        # (PR_SET_PDEATHSIG), and an executor's threads end with their event loop.
        self.postgres.start(fsync=False)
        self.postgres.create_database("chaos")
        await asyncio.to_thread(upgrade, self.database_url)
        await add_assets(self.database_url, assets)
        self.temporal.start()
        self.worker = self._start("worker")
        self.api = self._start("api")
        await self.wait_ready()

    async def wait_ready(self, within: float = 90.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(base_url=self.api_url, timeout=3) as http:
            while time.monotonic() < deadline:
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise TimeoutError(f"the API at {self.api_url} was not ready in {within:.0f}s; logs in {self.logs}")

    @staticmethod
    def _kill(process: ManagedProcess | None) -> None:
        if process is not None and process.process is not None and process.alive():
            os.killpg(process.process.pid, signal.SIGKILL)
            process.process.wait(10)

    async def kill_worker(self, down_for: float) -> None:
        """SIGKILL the worker (no chance to finish anything), and start a new one `down_for` seconds later."""
        self._kill(self.worker)
        await asyncio.sleep(down_for)
        self.worker = self._start("worker")

    async def kill_api(self, down_for: float) -> None:
        self._kill(self.api)
        await asyncio.sleep(down_for)
        self.api = self._start("api")

    async def restart_temporal(self, down_for: float) -> None:
        await asyncio.to_thread(self.temporal.stop)
        await asyncio.sleep(down_for)
        await asyncio.to_thread(self.temporal.start)

    async def restart_postgres(self, down_for: float) -> None:
        await asyncio.to_thread(self.postgres.stop)
        await asyncio.sleep(down_for)
        await asyncio.to_thread(self.postgres.start, fsync=False)

    def stop(self) -> None:
        for process in (self.api, self.worker):
            if process is not None:
                process.stop(timeout=10)
        self.temporal.stop()
        self.postgres.stop()
