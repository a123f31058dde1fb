"""Recorded loan histories replay against today's workflow code (architecture: changing a workflow with running
executions goes through `workflow.patched` and a replay test against recorded histories).

The histories in `histories/` were recorded from the workflow code of their date. A change that would break a
running loan (a command added, removed or reordered without `workflow.patched`) fails here with a
non-determinism error. They are replayed in the sandbox and outside it (the worker's `workflow_sandbox` setting).

To record them again, after a deliberate and patched change or to add a scenario:
    PLEDGEFLOW_RECORD_HISTORIES=1 .venv/bin/pytest tests/workflows/test_replay.py -k record
(keep the old files too: a history recorded before a patch is what proves the patch. `*_local_activity.json` were
recorded before `persist-after-acceptance`, when a step was written by a local activity inside its workflow task;
the loans of `BEFORE_TERM_RULES` below were recorded before `term-rules`; `step_sent_with_the_start_before_patch`
before `opening-written-first`.)
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.worker import (
    HandleUpdateInput,
    Interceptor,
    Replayer,
    UnsandboxedWorkflowRunner,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowReplayResult,
    WorkflowRunner,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from contracts.disposal import (
    ChooseDisposalMethodInput,
    ListDisposalAssetsInput,
    RecordDisposalReleaseInput,
    RecordDisposalSaleInput,
    UpdateDisposalValuationInput,
    disposal_workflow_id,
)
from contracts.enums import DisposalMethod, FilingChannel, RepaymentMode
from contracts.loan_steps import DeclareDefaultInput
from contracts.queues import loan_workflow_id
from services.domain.calendar import add_working_days
from services.domain.schedule import add_months
from services.platform.temporal import data_converter
from services.workflows.disposal import DisposalWorkflow
from services.workflows.loan.workflow import LoanLifecycleWorkflow
from services.workflows.worker import WORKFLOWS, build_worker
from tests.workflows import loan_steps as steps
from tests.workflows.conftest import Loans
from tests.workflows.test_servicing import Handle, disbursed, pay, sleep_until, state_of
from tests.workflows.test_subsidy_claim import clawed_back, returned_then_approved
from tests.workflows.test_whitelist_push import reminded_then_declined

HISTORIES = Path(__file__).parent / "histories"
RECORD = bool(os.environ.get("PLEDGEFLOW_RECORD_HISTORIES"))


def recorded() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


@pytest.mark.parametrize("path", recorded(), ids=lambda path: path.stem)
@pytest.mark.parametrize(
    "runner", [SandboxedWorkflowRunner(), UnsandboxedWorkflowRunner()], ids=["sandboxed", "unsandboxed"]
)
async def test_recorded_history_replays(path: Path, runner: WorkflowRunner) -> None:
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        workflow_runner=runner,
        data_converter=data_converter,
        interceptors=[TracingInterceptor()],
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name} no longer replays: {result.replay_failure}"


# ---- an upgrade of the calendar package -------------------------------------------------------------------------


def publish_2027(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the worker's chinese-calendar says once a release publishes 2027 (hypothetically: 1–4 January off)."""
    for day in (1, 2, 3, 4):
        monkeypatch.setitem(chinese_calendar.holidays, date(2027, 1, day), "New Year's Day")


class FilingDeadlines(Interceptor):
    """Collects the filing deadlines the replayed `file_registration` handlers compute: a replay does not compare a
    handler's answer with the one in the history, so a changed deadline would not fail it by itself."""

    def __init__(self) -> None:
        self.seen: list[tuple[date, bool]] = []

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:  # noqa: ARG002 - the interface passes it
        seen = self.seen

        class Inbound(WorkflowInboundInterceptor):
            async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
                result = await super().handle_update_handler(input)
                if input.update == "file_registration":
                    seen.extend((f.deadline, f.deadline_provisional) for f in result.state.filings.values())
                return result

        return Inbound


async def replay_after_upgrade(
    name: str, runner: WorkflowRunner, monkeypatch: pytest.MonkeyPatch
) -> tuple[WorkflowReplayResult, list[tuple[date, bool]]]:
    path = HISTORIES / f"{name}.json"
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    publish_2027(monkeypatch)
    assert add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 5)  # the package now answers otherwise
    deadlines = FilingDeadlines()
    replayer = Replayer(
        workflows=list(WORKFLOWS), workflow_runner=runner, data_converter=data_converter, interceptors=[deadlines]
    )
    return await replayer.replay_workflow(history, raise_on_replay_failure=False), deadlines.seen


@pytest.mark.parametrize(
    "runner", [SandboxedWorkflowRunner(), UnsandboxedWorkflowRunner()], ids=["sandboxed", "unsandboxed"]
)
async def test_a_replay_after_a_calendar_upgrade_counts_as_the_run_did(
    runner: WorkflowRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loan counted on the calendar answers in its history (working-calendar-from-history): replayed on a worker
    whose package publishes 2027 differently, it computes the deadline it announced, provisional, and its timers
    raise the same events (or the replay would fail)."""
    result, deadlines = await replay_after_upgrade("deadline_in_unknown_year", runner, monkeypatch)
    assert result.replay_failure is None, f"no longer replays: {result.replay_failure}"
    assert deadlines == [(date(2027, 1, 4), True)]


async def test_a_run_from_before_the_patch_reads_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """Why the patch: the same loan recorded before it counted on the package, so after the upgrade its replay
    computes another deadline and its timer no longer finds the filing overdue (a non-determinism error). Such runs
    are as they were before this change; a run started since is not exposed."""
    result, deadlines = await replay_after_upgrade(
        "deadline_in_unknown_year_before_patch", UnsandboxedWorkflowRunner(), monkeypatch
    )
    assert deadlines == [(date(2027, 1, 5), False)]  # it announced 2027-01-01 (Monday to Friday)
    assert result.replay_failure is not None


def test_histories_are_recorded() -> None:
    """The replay test above has something to replay: every scenario below has its file."""
    before_patches = {f"{name}_before_patch" for name in [*BEFORE_TERM_RULES, "step_sent_with_the_start"]}
    assert {path.stem for path in recorded()} >= set(SCENARIOS) | before_patches


# ---- recording ---------------------------------------------------------------------------------------------------


async def disbursed_then_repaid(loans: Loans) -> Handle:
    """Case to disbursement with a guarantor, the first instalment paid on its due date, a few days past it."""
    handle, _ = await disbursed(loans, guarantor="sz-guarantee")
    state = await state_of(handle)
    assert state.servicing is not None
    first = state.servicing.ledger.lines[0]
    await sleep_until(loans, first.due_date)
    await handle.execute_update(
        LoanLifecycleWorkflow.record_repayment, pay(first.principal + first.interest, first.due_date)
    )
    await sleep_until(loans, first.due_date + timedelta(days=3))
    return handle


async def refused_refiled_withdrawn(loans: Loans) -> Handle:
    """Refused at registration, re-filed on paper, then withdrawn (assets released)."""
    handle = await loans.open()
    await loans.to_registration(handle)
    today = await loans.today()
    await handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(today))
    await handle.execute_update(LoanLifecycleWorkflow.record_registration_outcome, steps.refused())
    await handle.execute_update(
        LoanLifecycleWorkflow.file_registration, steps.filing(today, channel=FilingChannel.PAPER)
    )
    await handle.execute_update(LoanLifecycleWorkflow.withdraw, steps.close())
    return handle


async def idle_case_reminded(loans: Loans) -> Handle:
    """A case with one visit, then idle until the reminder timer fires."""
    handle = await loans.open(reminder_days=3)
    await handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(await loans.today()))
    await loans.advance(handle, lambda state: bool(state.reminders), until=await loans.today() + timedelta(days=10))
    return handle


async def long_guidance(loans: Loans) -> Handle:
    """Forty visits with a history limit of 100 events: from the patch `open-stages-continue-as-new` on, the case
    continues as new during guidance (`long_guidance_before_patch.json`, recorded before it, never does)."""
    handle = await loans.open(config={"history_limit": 100})
    today = await loans.today()
    for n in range(40):
        visit = steps.visit(today).model_copy(update={"outcome": f"visit {n}"})
        await handle.execute_update(LoanLifecycleWorkflow.log_visit, visit)
    return handle


async def step_sent_with_the_start(loans: Loans) -> Handle:
    """A visit sent before any worker has taken the loan's first workflow task, so that the start and the step
    arrive together; then a second visit. From the patch `opening-written-first` on, the step waits for the
    opening's write (`step_sent_with_the_start_before_patch.json`, recorded before it, was written first)."""
    queue = f"first-{uuid.uuid4().hex}"
    client = loans.env.client
    now = await loans.env.get_current_time()
    loan_id = uuid.uuid4().hex[:12]
    handle = await client.start_workflow(
        LoanLifecycleWorkflow.run, steps.open_input(loan_id, now, 5), id=loan_workflow_id(loan_id), task_queue=queue
    )
    loans.handles.append(handle)
    today = await loans.today()
    first = asyncio.ensure_future(handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(today)))
    await asyncio.sleep(1)  # no worker on `queue` yet
    async with build_worker(client, loans.sessions, task_queue=queue):
        await first
        await handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(today))
    return handle


async def deadline_in_unknown_year(loans: Loans) -> Handle:
    """A patent filed online on 30 December, when the calendar package does not know the next year yet (2026 with
    chinese-calendar 1.11): its deadline (2 working days) and the idle case's reminder fall in that next year.
    (`deadline_in_unknown_year_before_patch.json` was recorded before `working-calendar-from-history`.)"""
    today = await loans.today()
    eve = date(today.year if today < date(today.year, 12, 29) else today.year + 1, 12, 29)
    await sleep_until(loans, eve)
    handle = await loans.open(reminder_days=3)
    await loans.to_registration(handle)
    await sleep_until(loans, eve + timedelta(days=1))
    await handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(eve + timedelta(days=1)))
    await loans.advance(handle, lambda state: bool(state.reminders), until=eve + timedelta(days=12))
    return handle


async def disposal_to_release(loans: Loans) -> Handle:
    """The DisposalWorkflow of a loan declared in default: valuation, method, listing, sale, release, and the
    signal that hands the proceeds to the loan. (Its handle, not the loan's: this records the disposal's history.)"""
    handle, _ = await disbursed(loans, guarantor="sz-guarantee")
    today = await loans.today()
    await handle.execute_update(
        LoanLifecycleWorkflow.declare_default,
        DeclareDefaultInput(actor=steps.APPROVER, declared_on=today, reason="经营恶化，宣布违约"),
    )
    disposal = loans.env.client.get_workflow_handle(disposal_workflow_id(handle.id.removeprefix("loan-")))
    officer = steps.OFFICER
    await disposal.execute_update(
        DisposalWorkflow.update_valuation,
        UpdateDisposalValuationInput(actor=officer, value=D("1500000.00"), report_number="处置评估-1", base_date=today),
    )
    await disposal.execute_update(
        DisposalWorkflow.choose_method, ChooseDisposalMethodInput(actor=officer, method=DisposalMethod.AUCTION)
    )
    await disposal.execute_update(
        DisposalWorkflow.list_assets,
        ListDisposalAssetsInput(actor=officer, listed_on=today, venue="深圳联合产权交易所", asking_price=D("1500000")),
    )
    await disposal.execute_update(
        DisposalWorkflow.record_sale,
        RecordDisposalSaleInput(
            actor=officer, buyer="深圳某科技公司", proceeds=D("800000"), sold_on=today, contract_number="拍-1"
        ),
    )
    await disposal.execute_update(
        DisposalWorkflow.record_release,
        RecordDisposalReleaseInput(actor=officer, release_date=today, notice_number="ZX-1"),
    )
    await disposal.result()
    return disposal


async def disbursed_past_asset_expiry(loans: Loans) -> Handle:
    """A 12-month loan on a patent expiring a year and 20 days after the filing, registered at once and disbursed 40
    days later, so that it matures after the patent expires; then its first interest paid."""
    handle = await loans.open()
    today = await loans.today()
    patent = steps.asset(expiry=add_months(today, 12) + timedelta(days=20))
    await loans.to_registration(handle, assets=[patent])
    await handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(today))
    await handle.execute_update(LoanLifecycleWorkflow.record_registration_outcome, steps.registered(today))
    await loans.env.sleep(timedelta(days=40))
    await handle.execute_update(LoanLifecycleWorkflow.disburse, steps.disburse(await loans.today()))
    state = await state_of(handle)
    assert state.servicing is not None
    first = state.servicing.ledger.lines[0]
    await sleep_until(loans, first.due_date)
    await handle.execute_update(LoanLifecycleWorkflow.record_repayment, pay(first.interest, first.due_date))
    return handle


async def bullet_for_36_months(loans: Loans) -> Handle:
    """A 36-month bullet loan (一次性还本付息) proposed, approved and disbursed, a few days into its servicing."""
    handle, disbursed_on = await disbursed(loans, term=36, mode=RepaymentMode.BULLET)
    await sleep_until(loans, disbursed_on + timedelta(days=3))
    return handle


SCENARIOS: dict[str, Callable[[Loans], Awaitable[Handle]]] = {
    "disbursed_then_repaid": disbursed_then_repaid,
    "refused_refiled_withdrawn": refused_refiled_withdrawn,
    "idle_case_reminded": idle_case_reminded,
    "long_guidance": long_guidance,
    "disposal_to_release": disposal_to_release,
    "deadline_in_unknown_year": deadline_in_unknown_year,
    "step_sent_with_the_start": step_sent_with_the_start,
    "claim_returned_then_approved": returned_then_approved,  # type: ignore[dict-item]  # a claim's handle
    "claim_paid_then_clawed_back": clawed_back,  # type: ignore[dict-item]
    "push_reminded_then_declined": reminded_then_declined,  # type: ignore[dict-item]  # a push's handle
}

# Loans the rules refuse since the patch `term-rules` (issue 13), recorded before it: `<name>_before_patch.json`
# replays only while their handlers keep the older rules. They cannot be recorded again, and must never be deleted.
BEFORE_TERM_RULES: dict[str, Callable[[Loans], Awaitable[Handle]]] = {
    "disbursed_past_asset_expiry": disbursed_past_asset_expiry,
    "bullet_for_36_months": bullet_for_36_months,
}


@pytest.mark.skipif(not RECORD, reason="records histories only when PLEDGEFLOW_RECORD_HISTORIES is set")
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_record_history(scenario: str, loans: Loans) -> None:
    handle = await SCENARIOS[scenario](loans)
    history = await handle.fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / f"{scenario}.json").write_text(history.to_json())
