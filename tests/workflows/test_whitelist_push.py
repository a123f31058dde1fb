"""`WhitelistPushWorkflow` on the time-skipping server: a push unanswered by the end of its reminder day turns overdue
with a `reminded` event (written once); the bank pushed to answers — another bank cannot, a decline needs its reason,
and the database shows exactly what the workflow accepted."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from contracts.base import Actor, Recorded
from contracts.enums import District, Role
from contracts.whitelist_push import (
    ANSWER_PUSH,
    PUSH_WRITTEN,
    AnswerPushInput,
    PushInput,
    PushState,
    PushStatus,
    push_workflow_id,
)
from services.domain.calendar import end_of_day
from services.store.whitelist_tables import WhitelistPush, WhitelistPushEvent
from services.workflows.whitelist_push import WhitelistPushWorkflow
from tests.workflows.conftest import Loans

Handle = WorkflowHandle[WhitelistPushWorkflow, PushState]
REVIEWER = Actor(
    sub="wu@guangming", role=Role.DISTRICT_REVIEWER, org_id="office-guangming", district=District.GUANGMING
)
BANK = Actor(sub="li@boc", role=Role.BANK_OFFICER, org_id="boc-shenzhen")
OTHER_BANK = Actor(sub="zhang@icbc", role=Role.BANK_OFFICER, org_id="icbc-shenzhen")


async def answer(handle: Handle, data: AnswerPushInput) -> PushState:
    state: PushState = await handle.execute_update(ANSWER_PUSH, data, result_type=PushState)
    return state


async def refused(handle: Handle, data: AnswerPushInput, kind: str, words: str) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await answer(handle, data)
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, words in cause.message) == (kind, True), cause.message


async def start(loans: Loans, days: int = 1) -> Handle:
    now = await loans.env.get_current_time()
    data = PushInput(
        push_id=uuid.uuid4().hex[:24],
        district=District.GUANGMING,
        credit_code="91440300MA5F00001A",
        enterprise_name="深圳光明示例1有限公司",
        bank_id="boc-shenzhen",
        pushed=Recorded(by=REVIEWER, at=now),
        remind_on=(await loans.today()) + timedelta(days=days),
    )
    handle = await loans.env.client.start_workflow(
        WhitelistPushWorkflow.run, data, id=push_workflow_id(data.push_id), task_queue=loans.queue
    )
    loans.handles.append(handle)  # type: ignore[arg-type]  # ended with the test's loans
    await handle.execute_update(PUSH_WRITTEN, result_type=PushState)
    return handle


async def written(loans: Loans, push_id: str) -> tuple[str, list[str]]:
    async with loans.sessions() as session:
        row = await session.get(WhitelistPush, push_id)
        assert row is not None
        query = select(col(WhitelistPushEvent.kind)).where(col(WhitelistPushEvent.push_id) == push_id)
        kinds = (await session.execute(query.order_by(col(WhitelistPushEvent.id)))).scalars().all()
    return row.status, list(kinds)


async def reminded_then_declined(loans: Loans) -> Handle:
    """Unanswered past its reminder day, then declined by the bank with its reason (recorded for the replay tests)."""
    handle = await start(loans)
    state = await handle.query(WhitelistPushWorkflow.get_state)
    await loans.env.sleep(end_of_day(state.remind_on) - await loans.env.get_current_time() + timedelta(hours=1))
    assert (await handle.query(WhitelistPushWorkflow.get_state)).status is PushStatus.OVERDUE
    await refused(handle, AnswerPushInput(actor=OTHER_BANK, accept=False, reason="否"),
                  "StepNotYourStep", "the bank it was pushed to")  # fmt: skip
    await refused(handle, AnswerPushInput(actor=BANK, accept=False),
                  "StepRuleViolation", "reason")  # fmt: skip
    await answer(handle, AnswerPushInput(actor=BANK, accept=False, reason="暂无额度"))
    return handle


async def test_reminded_when_unanswered_then_declined_by_its_bank(loans: Loans) -> None:
    handle = await reminded_then_declined(loans)
    state = await handle.result()
    assert (state.status, state.reason, state.reminded_on) == (
        PushStatus.DECLINED,
        "暂无额度",
        state.remind_on + timedelta(days=1),
    )
    assert await written(loans, state.push_id) == ("declined", ["pushed", "reminded", "declined"])


async def test_accepted_in_time_is_never_reminded_and_ends(loans: Loans) -> None:
    """Answered, the push ends (a later answer is refused by the API: the push is no longer open)."""
    handle = await start(loans, days=3)
    accepted = await answer(handle, AnswerPushInput(actor=BANK, accept=True, loan_id="loan-from-push"))
    assert (accepted.status, accepted.loan_id) == (PushStatus.ACCEPTED, "loan-from-push")
    state = await handle.result()
    assert state.reminded_on is None
    assert await written(loans, state.push_id) == ("accepted", ["pushed", "accepted"])
