"""The API against a fuzzer: schemathesis generates requests for every operation of `contracts/openapi.json`
(valid and invalid ones) and sends them to the real API process, with its worker, PostgreSQL and Temporal, as a
bank officer, a platform admin, a station specialist and a city admin — the four side by side. Zero server errors,
zero answers outside the documented status codes, content types or schemas, zero hangs (each request must answer
within its timeout).

The budget (`FUZZ_EXAMPLES` per operation and caller) keeps it to about a minute in all; `PLEDGEFLOW_FUZZ_EXAMPLES`
raises it for a longer run. Schemathesis's coverage phase (the boundary and just-outside values of every field, about
5,500 cases a caller) runs for the platform admin, who reaches every operation's validation, and for the station
specialist, whose scope is a district's; the bank officer and the city admin get the random and stateful phases
(`PLEDGEFLOW_FUZZ_ALL_PHASES=1` gives every caller every phase). The run's counts are printed (pytest -s shows them).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contracts.enums import District, Role
from services.platform.auth import mint_token
from tests.chaos.stack import SECRET, ChaosStack
from tests.conftest import repo_root

pytestmark = pytest.mark.e2e

FUZZ_EXAMPLES = int(os.environ.get("PLEDGEFLOW_FUZZ_EXAMPLES", "12"))
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
EVERY_PHASE = ("platform_admin", "station_specialist")
ALL_PHASES = os.environ.get("PLEDGEFLOW_FUZZ_ALL_PHASES") == "1"
CALLERS = {
    "bank_officer": (Role.BANK_OFFICER, "boc-shenzhen", None),
    "platform_admin": (Role.PLATFORM_ADMIN, "pledgeflow", None),
    "station_specialist": (Role.STATION_SPECIALIST, "station-guangming", District.GUANGMING),
    "city_admin": (Role.CITY_ADMIN, "city-office", None),  # publishes subsidy policies
}


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChaosStack]:
    """The production shape: API and worker processes on their own PostgreSQL and Temporal dev server."""
    stack = ChaosStack(tmp_path_factory.mktemp("fuzz"))
    try:
        asyncio.run(stack.start(assets=3))
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def fuzz_config(live_api: ChaosStack) -> Path:
    """Path parameters pointing at things that exist (a loan every caller here may see, the demo's organisations,
    enterprise, asset and product), so that the fuzzer reaches each operation's logic, not only its 404."""
    bank = _token(*CALLERS["bank_officer"], caller="seed")
    opened = httpx.post(
        f"{live_api.api_url}/loans",
        json={"enterprise_id": "ent-guangming-demo", "note": "fuzz"},
        headers={"Authorization": f"Bearer {bank}"},
        timeout=30,
    )
    assert opened.status_code == 201, opened.text
    values = {
        "loan_id": opened.json()["id"],
        "asset_id": "ip-gm-inv-1",
        "enterprise_id": "ent-guangming-demo",
        "organisation_id": "boc-shenzhen",
        "org_id": "boc-shenzhen",
        "product_id": "boc-zhihuidai",
        "policy_id": "guangming-2026-v2",
        "station_id": "station-guangming",
    }
    config = live_api.root / "schemathesis.toml"
    config.write_text("[parameters]\n" + "".join(f'"path.{name}" = "{value}"\n' for name, value in values.items()))
    return config


def _token(role: Role, org: str, district: District | None, *, caller: str) -> str:
    return mint_token(SECRET, sub=f"fuzz-{caller}", role=role, org_id=org, district=district, ttl_seconds=3600)


def schemathesis() -> str:
    return str(Path(sys.executable).parent / "schemathesis")


def _command(live_api: ChaosStack, fuzz_config: Path, caller: str) -> list[str]:
    token = _token(*CALLERS[caller], caller=caller)
    return [
        schemathesis(),
        "--config-file",
        str(fuzz_config),
        "run",
        str(repo_root() / "contracts" / "openapi.json"),
        "--url",
        live_api.api_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(FUZZ_EXAMPLES),
        "--request-timeout",
        "30",
        "--seed",
        "20261130",
        "--no-color",
        *([] if ALL_PHASES or caller in EVERY_PHASE else ["--phases", "examples,fuzzing,stateful"]),
    ]


@pytest.fixture(scope="module")
def fuzzed(live_api: ChaosStack, fuzz_config: Path) -> dict[str, tuple[int, str]]:
    """Every caller's fuzzer run, side by side against the one stack (as a real API's callers are: it also makes
    the suite a minute shorter than running them one after another): caller → (exit code, report)."""
    env = {**os.environ, "SCHEMATHESIS_HOOKS": ""}
    runs = {
        caller: subprocess.Popen(
            _command(live_api, fuzz_config, caller),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for caller in CALLERS
    }
    found = {}
    for caller, run in runs.items():
        try:
            report, _ = run.communicate(timeout=900)
        except subprocess.TimeoutExpired:
            run.kill()
            report, _ = run.communicate()
            report += "\n(the fuzzer did not finish within 900 s)"
        found[caller] = (run.returncode, report)
    return found


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_operation_holds_against_the_fuzzer(fuzzed: dict[str, tuple[int, str]], caller: str) -> None:
    returncode, report = fuzzed[caller]
    summary = [line for line in report.splitlines() if re.search(r"(passed|failed|errored|cases|Operations|API)", line)]
    print(f"\nschemathesis as {caller}:\n" + "\n".join(summary[-12:]))
    assert returncode == 0, report[-6000:]
