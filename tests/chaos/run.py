"""`make chaos`: the fault-injection run of the production shape, several times in a row.

    .venv/bin/python -m tests.chaos.run [--loans 100] [--kills 10] [--runs 3] [--keep]

Each run starts its own PostgreSQL, Temporal dev server, worker and API (separate processes) under a temporary
folder, drives `--loans` loans from case to disbursement with careful clients while the worker is SIGKILLed
`--kills` times (restarted within 1–3 s), then the API is SIGKILLed, then Temporal and PostgreSQL are restarted;
then it checks every loan against its workflow and prints one JSON line per run and a summary line. Exits 1
unless every run is clean (every loan disbursed; no false 409, phantom step, duplicate or pending key; the audit
trail verifies). `--keep` leaves each run's folder (logs of every process) for inspection.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import shutil
import sys
import tempfile
from pathlib import Path

from services.platform.logging import configure_logging
from services.platform.settings import LogFormat
from tests.chaos.scenario import Plan, Report, run_scenario
from tests.chaos.stack import ChaosStack


async def one_run(plan: Plan, keep: bool) -> tuple[Report, Path]:
    root = Path(tempfile.mkdtemp(prefix="pledgeflow-chaos-"))
    stack = ChaosStack(root)
    try:
        return await run_scenario(stack, plan), root
    finally:
        await asyncio.to_thread(stack.stop)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=100)
    parser.add_argument("--kills", type=int, default=10, help="worker SIGKILLs per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep each run's folder and logs")
    args = parser.parse_args()
    configure_logging(LogFormat.CONSOLE, "WARNING")
    clean = 0
    for number in range(1, args.runs + 1):
        report, root = asyncio.run(one_run(Plan(loans=args.loans, worker_kills=args.kills), args.keep))
        figures = dataclasses.asdict(report)
        figures["problems"] = report.problems[:20]
        print(json.dumps({"run": number, "clean": report.clean, **figures}, ensure_ascii=False), flush=True)
        if args.keep:
            print(f"run {number}: logs in {root / 'logs'}", flush=True)
        clean += report.clean
    print(json.dumps({"runs": args.runs, "clean_runs": clean}), flush=True)
    return 0 if clean == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
