"""Loans driven from case to disbursement by careful clients while parts of the stack are killed and restarted;
then every loan's database record is checked against its workflow's state.

What is counted (the goal is zero of each but the first):
- `loans_completed`: loans disbursed, out of `loans`;
- `false_409`: final 409 answers to steps that were valid when sent (each client sends each step once, in order);
- `other_final_errors`: any other final 4xx, and steps a client gave up on (no final answer before its deadline);
- `phantom_steps`: timeline events or audit records beyond what the workflow accepted (state.step_count + the
  opening), and read-model rows whose stage or step count differ from the workflow's state;
- `missing_steps`: accepted steps absent from the timeline;
- `duplicates`: steps the workflow took more often than a client sent them;
- `pending_keys`: Idempotency-Keys still pending once the run has settled;
- `audit_verified`: `pledgeflow audit verify` over every chain.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col
from temporalio.client import Client

from contracts.enums import District, Role
from contracts.loan_state import LoanState
from contracts.queues import loan_workflow_id
from services.cli.client import CarefulClient, GaveUp
from services.domain.calendar import shanghai_date
from services.platform.auth import mint_token
from services.platform.settings import ApiSettings
from services.platform.temporal import connect_temporal
from services.store.audit import verify_chains
from services.store.db import create_engine, session_factory
from services.store.tables import AuditRecord, IdempotencyRecord, Loan, LoanEvent
from tests.api.bodies import PROPOSAL, QUALIFIED, application, valuation
from tests.chaos.stack import OWNER, SECRET, ChaosStack, asset_id


def _headers(role: Role, org: str, district: District | None = None) -> dict[str, str]:
    token = mint_token(SECRET, sub=f"chaos-{role.value}", role=role, org_id=org, district=district, ttl_seconds=7200)
    return {"Authorization": f"Bearer {token}"}


SPECIALIST = _headers(Role.STATION_SPECIALIST, "station-guangming", District.GUANGMING)
OFFICER = _headers(Role.BANK_OFFICER, "boc-shenzhen")
APPROVER = _headers(Role.BANK_APPROVER, "boc-shenzhen")
VALUER = _headers(Role.VALUER, "demo-appraisal")
GUARANTOR = _headers(Role.GUARANTOR, "sz-guarantee")


def loan_steps(loan_id: str, asset: str) -> list[tuple[str, dict[str, str], dict[str, Any]]]:
    """The eleven steps after opening, in order: (path under /loans/{id}, caller, body)."""
    day = shanghai_date(datetime.now(UTC)).isoformat()
    return [
        ("visits", SPECIALIST, {"visited_on": day, "people": ["周光明"], "place": "光明区", "outcome": "有融资需求"}),
        ("qualification-review", SPECIALIST, QUALIFIED),
        ("application", SPECIALIST, application(asset)),
        ("valuations", VALUER, valuation(asset, f"CH-{loan_id}")),
        ("valuation-acceptance", OFFICER, {}),
        ("proposal", OFFICER, PROPOSAL),
        ("approval-decision", APPROVER, {"approve": True, "reason": "同意"}),
        ("sign-offs", GUARANTOR, {"contract_number": f"G-{loan_id}", "fee": "1.00"}),
        ("registrations", OFFICER, {"asset_id": asset, "channel": "online", "filed_on": day}),
        (
            "registration-outcomes",
            OFFICER,
            {"asset_id": asset, "registered": True, "registration_number": f"R-{loan_id}", "effective_date": day},
        ),
        (
            "disbursement",
            OFFICER,
            {"contract_number": f"C-{loan_id}", "amount": "3000000.00", "disbursed_on": day, "voucher": "V"},
        ),
    ]


@dataclass
class LoanRun:
    """What one client saw of its loan."""

    loan_id: str | None = None
    steps_sent: int = 0  # steps after opening, each with one key of its own
    completed: bool = False
    false_409: int = 0
    final_error: str | None = None


@dataclass
class Plan:
    loans: int = 100
    worker_kills: int = 10
    kill_every: float = 4.0
    restart_api: bool = True
    restart_temporal: bool = True
    restart_postgres: bool = True
    think: tuple[float, float] = (1.0, 3.0)  # pause between a loan's steps (a clerk's pace), so faults meet them
    start_over: float = 20.0  # loans start spread over this many seconds
    client_deadline: float = 240.0
    seed: int | None = None


@dataclass
class Report:
    loans: int
    loans_completed: int = 0
    false_409: int = 0
    other_final_errors: int = 0
    phantom_steps: int = 0
    missing_steps: int = 0
    duplicates: int = 0
    pending_keys: int = 0
    audit_verified: bool = False
    faults: list[str] = field(default_factory=list)
    in_flight_at_faults: list[int] = field(default_factory=list)
    retries: dict[str, int] = field(default_factory=dict)
    # What clients met after each fault, until the next: e.g. {"PostgreSQL restart": {"HTTP 503": 40}}.
    retries_after: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return (
            self.loans_completed == self.loans
            and not (self.false_409 or self.other_final_errors or self.phantom_steps or self.missing_steps)
            and not (self.duplicates or self.pending_keys)
            and self.audit_verified
        )


@dataclass
class InFlight:
    """Loans between their first request and their last answer."""

    count: int = 0


async def drive_loan(careful: CarefulClient, n: int, plan: Plan, rng: random.Random, flight: InFlight) -> LoanRun:
    await asyncio.sleep(rng.uniform(0, plan.start_over))
    flight.count += 1
    try:
        return await _drive(careful, n, plan, rng)
    finally:
        flight.count -= 1


async def _drive(careful: CarefulClient, n: int, plan: Plan, rng: random.Random) -> LoanRun:
    run = LoanRun()
    try:
        opened = await careful.post("/loans", {"enterprise_id": OWNER, "note": f"chaos {n}"}, SPECIALIST)
        if opened.status_code != 201:
            run.final_error = f"open: {opened.status_code} {opened.text[:200]}"
            return run
        run.loan_id = str(opened.json()["id"])
        for path, headers, body in loan_steps(run.loan_id, asset_id(n)):
            await asyncio.sleep(rng.uniform(*plan.think))
            run.steps_sent += 1
            answer = await careful.post(f"/loans/{run.loan_id}/{path}", body, headers)
            if answer.status_code == 409:  # the careful client retried 409 in-flight itself: this one is final
                run.false_409 += 1
                run.final_error = f"{path}: 409 {answer.json().get('detail')}"
                return run
            if answer.status_code >= 300:
                run.final_error = f"{path}: {answer.status_code} {answer.text[:200]}"
                return run
        run.completed = True
    except GaveUp as error:
        run.final_error = str(error)
    return run


Fault = tuple[str, Callable[[], Awaitable[None]]]


def fault_schedule(stack: ChaosStack, plan: Plan, rng: random.Random) -> list[Fault]:
    faults: list[Fault] = [
        (f"worker SIGKILL #{k + 1}", lambda: stack.kill_worker(rng.uniform(1.0, 3.0))) for k in range(plan.worker_kills)
    ]
    if plan.restart_api:
        faults.append(("API SIGKILL", lambda: stack.kill_api(rng.uniform(1.0, 3.0))))
    if plan.restart_temporal:
        faults.append(("Temporal restart", lambda: stack.restart_temporal(rng.uniform(1.0, 3.0))))
    if plan.restart_postgres:
        faults.append(("PostgreSQL restart", lambda: stack.restart_postgres(rng.uniform(1.0, 3.0))))
    return faults


async def inject(
    faults: list[Fault], every: float, report: Report, started: float, flight: InFlight
) -> list[tuple[float, str]]:
    """Act out each fault in turn; returns when each began (event-loop time)."""
    began: list[tuple[float, str]] = []
    for name, act in faults:
        await asyncio.sleep(every)
        began.append((asyncio.get_running_loop().time(), name))
        report.in_flight_at_faults.append(flight.count)
        await act()
        report.faults.append(f"{time.monotonic() - started:6.1f}s {name} ({flight.count} loans in flight)")
    return began


def retries_after(began: list[tuple[float, str]], retry_log: list[tuple[float, str]]) -> dict[str, dict[str, int]]:
    """Retries counted against the fault that came last before them (worker kills together)."""
    by_fault: dict[str, Counter[str]] = {}
    for at, reason in retry_log:
        last = [name for start, name in began if start <= at]
        fault = (last[-1].split(" #")[0]) if last else "before any fault"
        by_fault.setdefault(fault, Counter())[reason] += 1
    return {fault: dict(counts) for fault, counts in by_fault.items()}


async def check(stack: ChaosStack, runs: list[LoanRun], report: Report) -> None:
    """Compare each loan's database record (timeline, audit, read model) with its workflow's state."""
    temporal: Client = await connect_temporal(ApiSettings(temporal_address=stack.temporal.address))
    engine = create_engine(stack.database_url, pool_size=2)
    try:
        async with session_factory(engine)() as session:
            by_loan = select(col(LoanEvent.loan_id), func.count()).group_by(col(LoanEvent.loan_id))
            by_chain = select(col(AuditRecord.chain), func.count()).group_by(col(AuditRecord.chain))
            events = {str(loan): int(n) for loan, n in (await session.execute(by_loan)).all()}
            audits = {str(chain): int(n) for chain, n in (await session.execute(by_chain)).all()}
            rows = {row.id: row for row in (await session.execute(select(Loan))).scalars()}
            report.pending_keys = int(
                (
                    await session.execute(select(func.count()).where(col(IdempotencyRecord.completed_at).is_(None)))
                ).scalar_one()
            )
            report.audit_verified = (await verify_chains(session)).ok
        for run in runs:
            if run.loan_id is None:
                continue
            handle = temporal.get_workflow_handle(loan_workflow_id(run.loan_id))
            state = await handle.query("get_state", result_type=LoanState)
            accepted = state.step_count + 1  # every step and timer event, and the opening
            recorded = int(events.get(run.loan_id, 0))
            audited = int(audits.get(f"loan:{run.loan_id}", 0))
            row = rows.get(run.loan_id)
            stale_row = row is None or row.stage != state.stage.value or row.step_count != state.step_count
            extra = max(0, recorded - accepted, audited - accepted, int(stale_row))  # the loan's phantom steps
            if stale_row:
                report.problems.append(
                    f"loan {run.loan_id}: read model {row.stage if row else None}/{row.step_count if row else None}"
                    f" but workflow {state.stage.value}/{state.step_count}"
                )
            if extra:
                report.problems.append(f"loan {run.loan_id}: {recorded} events, {audited} audit, {accepted} accepted")
            report.phantom_steps += extra
            report.missing_steps += max(0, accepted - recorded)
            report.duplicates += max(0, state.step_count - run.steps_sent)
    finally:
        await engine.dispose()


async def run_scenario(stack: ChaosStack, plan: Plan) -> Report:
    """Start the stack, drive the loans under the faults, let it settle, check. The caller stops the stack."""
    rng = random.Random(plan.seed)
    report = Report(loans=plan.loans)
    await stack.start(plan.loans)
    started = time.monotonic()
    limits = httpx.Limits(max_connections=plan.loans + 10)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30, limits=limits) as http:
        careful = CarefulClient(http, deadline=plan.client_deadline)
        flight = InFlight()
        faults = asyncio.create_task(inject(fault_schedule(stack, plan, rng), plan.kill_every, report, started, flight))
        runs = await asyncio.gather(*(drive_loan(careful, n, plan, rng, flight) for n in range(plan.loans)))
        began = await faults
        report.retries = dict(Counter(careful.retries))
        report.retries_after = retries_after(began, careful.retry_log)
    # Settle: every part up, and keys of requests that died with the API past their lease.
    await stack.wait_ready()
    await asyncio.sleep(1.0)
    await check(stack, runs, report)
    report.seconds = round(time.monotonic() - started, 1)
    report.loans_completed = sum(run.completed for run in runs)
    report.false_409 = sum(run.false_409 for run in runs)
    report.other_final_errors = sum(1 for run in runs if run.final_error and not run.false_409)
    report.problems += [f"loan {run.loan_id}: {run.final_error}" for run in runs if run.final_error]
    return report
