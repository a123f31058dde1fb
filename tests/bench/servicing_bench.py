"""`make bench`, servicing part: a portfolio of loans in servicing on the time-skipping server, one simulated year.

Each loan starts directly in servicing (the workflow's continue-as-new input carries a disbursed state), 12 months
of 按月付息到期还本 at 3.5 %. Every simulated month, nine loans in ten pay their instalment on the due date through
an Update; one in ten never pays and slides through the tiers on its timers. Prints wall time, updates per second,
the peak memory of this process (the worker runs in it), and the history length per loan before continue-as-new.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any

from temporalio.api.testservice.v1 import SleepRequest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from contracts.base import Recorded
from contracts.enums import District, FilingChannel, IPKind, RepaymentMode, Stage
from contracts.loan_state import Application, Decision, Disbursement, Filing, LoanConfig, LoanState, Proposal, Servicing
from contracts.loan_steps import RecordRepaymentInput
from contracts.loans import OpenLoanInput
from contracts.queues import loan_workflow_id
from services.domain.calendar import SHANGHAI, shanghai_date
from services.domain.schedule import maturity_date
from services.domain.servicing import open_ledger
from services.platform.embedded import EmbeddedPostgres, free_port, scripts_dir
from services.platform.logging import configure_logging
from services.platform.settings import LogFormat, WorkerSettings
from services.platform.temporal import data_converter, ensure_search_attributes
from services.store.db import create_engine, session_factory
from services.store.migrate import upgrade
from services.workflows.loan.workflow import LoanLifecycleWorkflow
from services.workflows.worker import build_worker
from tests.workflows import loan_steps as steps

AMOUNT = Decimal("3000000.00")


def emit(**figure: Any) -> None:
    print(json.dumps(figure, ensure_ascii=False, default=str), flush=True)


def servicing_state(loan_id: str, now: datetime, history_limit: int) -> OpenLoanInput:
    day = shanghai_date(now)
    recorded = Recorded(by=steps.OFFICER, at=now)
    asset = steps.asset()
    ledger = open_ledger(RepaymentMode.MONTHLY_INTEREST, AMOUNT, Decimal("3.50"), day, 12, markup_percent=Decimal(50))
    config = LoanConfig(history_limit=history_limit)
    state = LoanState(
        loan_id=loan_id,
        enterprise_id="ent-guangming-demo",
        enterprise_name="深圳光明演示科技有限公司（演示）",
        district=District.GUANGMING,
        bank_id="boc-shenzhen",
        stage=Stage.SERVICING,
        opened=recorded,
        config=config,
        last_activity_at=now,
        application=Application(
            bank_id="boc-shenzhen",
            product=steps.PRODUCT,
            requested_amount=AMOUNT,
            requested_term_months=12,
            assets=[asset],
            **recorded.model_dump(),
        ),
        proposal=Proposal(
            amount=AMOUNT,
            lpr_percent=Decimal("3.0"),
            lpr_date=date(2025, 5, 20),
            spread_bp=50,
            rate_percent=Decimal("3.50"),
            term_months=12,
            repayment_mode=RepaymentMode.MONTHLY_INTEREST,
            credit_support=[],
            **recorded.model_dump(),
        ),
        decision=Decision(approved=True, reason="bench", **recorded.model_dump()),
        filings={
            asset.id: Filing(
                asset_id=asset.id,
                attempt=1,
                authority=IPKind.INVENTION_PATENT.authority,
                channel=FilingChannel.ONLINE,
                filed_on=day,
                deadline=day,
                outcome="registered",
                registration_number="R",
                effective_date=day,
                **recorded.model_dump(),
            )
        },
        disbursement=Disbursement(
            contract_number=f"C-{loan_id}",
            amount=AMOUNT,
            disbursed_on=day,
            voucher="V",
            maturity_date=maturity_date(day, 12),
            **recorded.model_dump(),
        ),
        servicing=Servicing(ledger=ledger),
        step_count=1,
    )
    return OpenLoanInput(
        loan_id=loan_id,
        enterprise_id=state.enterprise_id,
        enterprise_name=state.enterprise_name,
        district=state.district,
        bank_id=state.bank_id,
        opened=recorded,
        config=config,
        resume=state,
    )


async def skip_to(env: WorkflowEnvironment, target: datetime) -> None:
    """Skip time to `target`. With thousands of timers firing at once the test server takes a while of real time
    to get there (it pauses the clock while workflow tasks are outstanding), so the sleep call gets a long
    deadline; if it still fails (timeout, reset stream) the skipped time is kept: ask again from where the clock
    stands. If the server is gone, get_current_time fails and says so."""
    while (current := await env.get_current_time()) < target:
        request = SleepRequest()
        request.duration.FromTimedelta(target - current)
        try:
            await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=timedelta(minutes=30))
        except RPCError as error:
            print(json.dumps({"skip_retry": str(error), "clock": str(current)}), file=sys.stderr, flush=True)


async def main(loans: int, history_limit: int) -> None:
    configure_logging(LogFormat.CONSOLE, "WARNING")
    root = Path(tempfile.mkdtemp(prefix="pledgeflow-servicing-bench-"))
    postgres = EmbeddedPostgres(root / "pg", free_port(), log_path=root / "pg.log")
    postgres.start()
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter,
        test_server_existing_path=str(scripts_dir() / "temporal-test-server"),
        port=free_port(),
    )
    try:
        await ensure_search_attributes(env.client, "default")
        postgres.create_database("bench")
        url = postgres.url("bench")
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url, pool_size=20, pre_ping=False)  # the worker's engine, as in production
        queue = f"bench-{uuid.uuid4().hex}"
        worker = build_worker(env.client, session_factory(engine), task_queue=queue, settings=WorkerSettings())
        async with worker:
            now = await env.get_current_time()
            ids = [uuid.uuid4().hex[:16] for _ in range(loans)]
            started = time.perf_counter()
            limit = asyncio.Semaphore(64)

            async def start(loan_id: str) -> None:
                async with limit:
                    await env.client.start_workflow(
                        LoanLifecycleWorkflow.run,
                        servicing_state(loan_id, now, history_limit),
                        id=loan_workflow_id(loan_id),
                        task_queue=queue,
                    )

            await asyncio.gather(*(start(i) for i in ids))
            start_wall = time.perf_counter() - started
            first_runs = {i: (await env.client.get_workflow_handle(loan_workflow_id(i)).describe()).run_id
                          for i in ids[:50]}  # fmt: skip
            lines = servicing_state("x", now, history_limit).resume.servicing.ledger.lines  # type: ignore[union-attr]
            payers = ids[: loans - loans // 10]
            updates = 0
            latencies: list[float] = []
            started = time.perf_counter()
            for line in lines:
                target = datetime.combine(line.due_date, clock(10), tzinfo=SHANGHAI)
                await skip_to(env, target)

                async def pay(loan_id: str, line: Any = line) -> None:
                    async with limit:
                        t0 = time.perf_counter()
                        await env.client.get_workflow_handle(loan_workflow_id(loan_id)).execute_update(
                            LoanLifecycleWorkflow.record_repayment,
                            RecordRepaymentInput(
                                actor=steps.OFFICER, amount=line.unpaid, value_date=line.due_date, reference="b"
                            ),
                        )
                        latencies.append((time.perf_counter() - t0) * 1000)

                await asyncio.gather(*(pay(i) for i in payers))
                updates += len(payers)
            # The rest of the year for the loans that never paid: tiers move on their timers.
            await skip_to(env, await env.get_current_time() + timedelta(days=5))
            year_wall = time.perf_counter() - started
            sample = ids[:50] + ids[-20:]
            histories, continued = [], 0
            for loan_id in sample:
                description = await env.client.get_workflow_handle(loan_workflow_id(loan_id)).describe()
                histories.append(description.raw_description.workflow_execution_info.history_length)
                if loan_id in first_runs and description.run_id != first_runs[loan_id]:
                    continued += 1
            stages: dict[str, int] = {}
            for loan_id in sample:
                state = await env.client.get_workflow_handle(loan_workflow_id(loan_id)).query(
                    LoanLifecycleWorkflow.get_state
                )
                key = f"{state.stage.value}/{state.servicing.tier.value if state.servicing else '-'}"
                stages[key] = stages.get(key, 0) + 1
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            emit(
                figure="servicing_portfolio",
                loans=loans,
                simulated_days=(await env.get_current_time() - now).days,
                start_wall_s=round(start_wall, 2),
                year_wall_s=round(year_wall, 2),
                repayments=updates,
                repayments_per_s=round(updates / year_wall, 1),
                repayment_p50_ms=round(statistics.median(latencies), 1),
                peak_rss_mb=round(peak_mb, 1),
                history_limit=history_limit,
                history_length_max=max(histories),
                history_length_median=statistics.median(histories),
                continued_as_new=f"{continued}/{len(first_runs)} sampled payers",
                sample_stages=stages,
            )
            for loan_id in ids:
                await env.client.get_workflow_handle(loan_workflow_id(loan_id)).terminate("bench finished")
        await engine.dispose()
    finally:
        await env.shutdown()
        postgres.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=2000, help="loans in the portfolio")
    parser.add_argument("--history-limit", type=int, default=5000, help="history events before continue-as-new")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.loans, arguments.history_limit))
