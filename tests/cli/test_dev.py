"""`pledgeflow dev`: the whole stack comes up, keeps its data across restarts and leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from contracts.enums import Role
from services.platform.auth import mint_token
from services.platform.embedded import free_port
from services.platform.settings import DEV_JWT_SECRET

pytestmark = pytest.mark.e2e

READY_TIMEOUT = 120.0


class DevProcess:
    def __init__(self, data_dir: Path, api_port: int, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLEDGEFLOW_")}
        env |= {"PLEDGEFLOW_DATA_DIR": str(data_dir), "PLEDGEFLOW_API_PORT": str(api_port)}
        self.api = f"http://127.0.0.1:{api_port}"
        with log.open("ab") as out:
            # Its own process group, like a shell's foreground job: Ctrl-C is SIGINT to the whole group.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli.main", "dev"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.log = log

    def wait_ready(self) -> float:
        started = time.monotonic()
        while time.monotonic() - started < READY_TIMEOUT:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.api}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise AssertionError(f"not ready in {READY_TIMEOUT}s:\n{self.log.read_text()[-3000:]}")

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def ctrl_c(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(60)


def _alive(processes: list[psutil.Process]) -> list[str]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            continue
    return alive


def _wait_gone(processes: list[psutil.Process], timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while _alive(processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    return _alive(processes)


@pytest.fixture
def dev_dirs(tmp_path: Path) -> tuple[Path, int]:
    return tmp_path / "data", free_port()


def test_dev_stack_lifecycle(dev_dirs: tuple[Path, int], tmp_path: Path) -> None:
    data_dir, api_port = dev_dirs
    admin = mint_token(DEV_JWT_SECRET, sub="ops", role=Role.PLATFORM_ADMIN, org_id="pledgeflow")
    headers = {"Authorization": f"Bearer {admin}"}

    first = DevProcess(data_dir, api_port, tmp_path / "dev1.log")
    try:
        first.wait_ready()
        children = first.descendants()
        names = " ".join(" ".join(p.cmdline()) for p in children)
        for expected in ("postgres", "temporal", "services.cli.main worker", "services.cli.main api"):
            assert expected in names
        # The demo reference data is loaded and the API writes through to the embedded PostgreSQL.
        banks = httpx.get(f"{first.api}/organisations?kind=bank", headers=headers).json()
        assert {"boc-shenzhen", "icbc-shenzhen"} <= {b["id"] for b in banks["items"]}
        created = httpx.post(
            f"{first.api}/organisations",
            headers=headers,
            json={"id": "persisted-bank", "kind": "bank", "name": "持久化测试银行"},
        )
        assert created.status_code == 201, created.text
        ports = json.loads((data_dir / "ports.json").read_text())
        # `pledgeflow demo` drives a loan from case to disbursement and first repayments against this running stack...
        demo = subprocess.run(
            [sys.executable, "-m", "services.cli.main", "demo", "--api", first.api],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        assert "disburse (放款)" in demo.stdout
        assert "stage servicing" in demo.stdout
        assert "repay ¥500,000 early (提前还款)" in demo.stdout
        assert "1 line(s) paid" in demo.stdout
        # ... and its interest subsidy claim, from a round through two reviewers to the public notice (while a 光明
        # policy of the demo data takes claims: its filing window closes at the end of 2026).
        if "the subsidy part of the demo is skipped" not in demo.stdout:
            assert "confirm the amount (复核)" in demo.stdout, demo.stdout
            assert "→ approved (审核通过待公示)" in demo.stdout
            assert "on notice until" in demo.stdout
    finally:
        first.ctrl_c()
    assert first.process.returncode == 0
    assert _wait_gone(children) == [], "processes left behind after Ctrl-C"
    assert "PostgreSQL ready" in first.log.read_text()

    second = DevProcess(data_dir, api_port, tmp_path / "dev2.log")
    try:
        second.wait_ready()
        again = httpx.get(f"{second.api}/organisations/persisted-bank", headers=headers)
        assert again.status_code == 200, "data did not survive the restart"
        loans = httpx.get(f"{second.api}/loans?stage=servicing", headers=headers).json()
        assert len(loans["items"]) == 1, "the demo loan did not survive the restart"
        failing = subprocess.run(
            [sys.executable, "-m", "services.cli.main", "demo", "--api", f"http://127.0.0.1:{free_port()}"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert failing.returncode == 1
        assert "step 'reach the API' failed" in failing.stderr
        assert json.loads((data_dir / "ports.json").read_text()) == ports
        children = second.descendants()
    finally:
        # Killed outright, with no chance to clean up: the children still die with it.
        second.process.kill()
        second.process.wait(30)
    assert _wait_gone(children) == [], "processes orphaned by a killed `pledgeflow dev`"
