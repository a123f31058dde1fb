"""The fault-injection run, small: 20 loans driven from case to disbursement by careful clients while the worker is
SIGKILLed 3 times, then the API is SIGKILLed and Temporal and PostgreSQL are restarted. Every loan completes, and
no false 409, phantom step, duplicate or pending key is left; the audit trail verifies. (`make chaos` runs the
full-size scenario, several times.)"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.chaos.scenario import Plan, run_scenario
from tests.chaos.stack import ChaosStack

pytestmark = pytest.mark.e2e


async def test_twenty_loans_through_restarts(tmp_path: Path) -> None:
    stack = ChaosStack(tmp_path)
    plan = Plan(loans=20, worker_kills=3, kill_every=3.0, think=(0.3, 1.0), start_over=4.0, client_deadline=120)
    try:
        report = await run_scenario(stack, plan)
    finally:
        stack.stop()
    figures = json.dumps(dataclasses.asdict(report), ensure_ascii=False, indent=1)
    assert report.loans_completed == plan.loans, figures
    assert (report.false_409, report.other_final_errors) == (0, 0), figures
    assert (report.phantom_steps, report.missing_steps, report.duplicates) == (0, 0, 0), figures
    assert report.pending_keys == 0, figures
    assert report.audit_verified, figures
    assert len(report.in_flight_at_faults) == 6, figures
    assert min(report.in_flight_at_faults) > 0, figures  # every fault met loans in flight
