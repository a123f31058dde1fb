"""The SubsidyClaimWorkflow on the time-skipping server with its real activity: each step's rules (who, when, four
eyes), refused steps changing nothing, and every accepted step written once with its audit record."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlmodel import col
from temporalio import workflow
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from contracts.base import StepInput
from contracts.subsidy_claim import (
    AcceptClaimInput,
    ClaimState,
    ClaimStatus,
    ClaimUpdate,
    ConfirmClaimInput,
    ConfirmReviewInput,
    CorrectClaimInput,
    ProposeAmountInput,
    RecordCheckInput,
    RecordClawbackRepaidInput,
    RecordObjectionInput,
    RecordPaymentInput,
    RejectClaimInput,
    ReturnClaimInput,
    SetFundingInput,
    StartNoticeInput,
    claim_workflow_id,
)
from services.domain.calendar import end_of_day
from services.domain.subsidy.claim_rules import next_quarter_end
from services.domain.subsidy.rounds import notice_ends
from services.store.subsidy_tables import SubsidyClaim, SubsidyClaimEvent
from services.store.tables import AuditRecord
from services.workflows.subsidy_claim.workflow import SubsidyClaimWorkflow
from tests.workflows import claim_steps as c
from tests.workflows.conftest import Loans

Handle = WorkflowHandle[SubsidyClaimWorkflow, ClaimState]


async def start(loans: Loans, *, drafted: bool = False) -> Handle:
    data = c.claim_input(await c.a_round(loans.sessions), await loans.env.get_current_time(), drafted=drafted)
    handle = await loans.env.client.start_workflow(
        SubsidyClaimWorkflow.run, data, id=claim_workflow_id(data.claim_id), task_queue=loans.queue
    )
    loans.handles.append(handle)  # type: ignore[arg-type]  # ended with the test's loans
    await handle.execute_update(SubsidyClaimWorkflow.claim_filed, StepInput(actor=c.SPECIALIST))
    return handle


async def written(loans: Loans, claim_id: str) -> tuple[str, list[str], int]:
    """(the row's status, the timeline's kinds, the audit records) as the database holds them."""
    async with loans.sessions() as session:
        row = await session.get(SubsidyClaim, claim_id)
        assert row is not None
        await session.refresh(row)
        kinds = (
            (
                await session.execute(
                    select(col(SubsidyClaimEvent.kind))
                    .where(col(SubsidyClaimEvent.claim_id) == claim_id)
                    .order_by(col(SubsidyClaimEvent.id))
                )
            )
            .scalars()
            .all()
        )
        audits = (
            await session.execute(select(func.count()).where(col(AuditRecord.chain) == f"subsidy_claim:{claim_id}"))
        ).scalar_one()
        return row.status, list(kinds), int(audits)


async def refused(handle: Handle, update: object, data: object, kind: str, words: str) -> None:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await handle.execute_update(update, data)  # type: ignore[call-overload]
    cause = raised.value.cause
    assert isinstance(cause, ApplicationError)
    assert (cause.type, words in cause.message) == (kind, True), cause.message


async def returned_then_approved(loans: Loans) -> Handle:
    """A claim returned for correction, corrected, accepted, and approved by a second reviewer after the first
    tried to confirm their own proposal (also recorded for the replay tests)."""
    handle = await start(loans)
    returned = await handle.execute_update(
        SubsidyClaimWorkflow.return_claim,
        ReturnClaimInput(actor=c.REVIEWER, reason="不清晰", items=["tax_certificate"]),
    )
    assert returned.state.waiting_on() == [c.ENTERPRISE.role, c.SPECIALIST.role]
    now = await loans.env.get_current_time()
    await handle.execute_update(
        SubsidyClaimWorkflow.correct_claim, CorrectClaimInput(actor=c.SPECIALIST, revision=c.revision(2, now))
    )
    await handle.execute_update(SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.REVIEWER))
    proposal = ProposeAmountInput(actor=c.REVIEWER, amount=c.COMPUTED, computation=c.computation())
    await handle.execute_update(SubsidyClaimWorkflow.propose_amount, proposal)
    own = ConfirmReviewInput(actor=c.REVIEWER, agree=True)
    await refused(handle, SubsidyClaimWorkflow.confirm_review, own, "StepRuleViolation", "second reviewer")
    await handle.execute_update(
        SubsidyClaimWorkflow.confirm_review, ConfirmReviewInput(actor=c.SECOND_REVIEWER, agree=True)
    )
    return handle


async def test_returned_corrected_accepted_and_approved_by_a_second_reviewer(loans: Loans) -> None:
    handle = await returned_then_approved(loans)
    state = await handle.query(SubsidyClaimWorkflow.get_state)
    assert (state.status, state.approved_amount) == (ClaimStatus.APPROVED, c.COMPUTED)
    assert await written(loans, handle.id.removeprefix("subsidy-claim-")) == (
        "approved",
        ["filed", "returned", "corrected", "accepted", "amount_proposed", "approved"],
        6,
    )


async def test_refused_steps_change_nothing(loans: Loans) -> None:
    handle = await start(loans)
    claim_id = handle.id.removeprefix("subsidy-claim-")
    before = await written(loans, claim_id)
    await refused(handle, SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.SPECIALIST),
                  "StepNotYourStep", "district_reviewer")  # fmt: skip
    await refused(handle, SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.NANSHAN_REVIEWER),
                  "StepNotYourStep", "another district")  # fmt: skip
    await refused(handle, SubsidyClaimWorkflow.propose_amount,
                  ProposeAmountInput(actor=c.REVIEWER, amount=c.COMPUTED, computation=c.computation()),
                  "StepWrongStage", "accepted")  # fmt: skip
    unknown = ReturnClaimInput(actor=c.REVIEWER, reason="x", items=["lottery"])
    await refused(handle, SubsidyClaimWorkflow.return_claim, unknown, "StepRuleViolation", "lottery")
    await handle.execute_update(SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.REVIEWER))
    too_much = ProposeAmountInput(actor=c.REVIEWER, amount=c.COMPUTED + Decimal("0.01"), computation=c.computation())
    await refused(handle, SubsidyClaimWorkflow.propose_amount, too_much, "StepRuleViolation", "above")
    state = await handle.query(SubsidyClaimWorkflow.get_state)
    assert (state.status, state.proposal) == (ClaimStatus.ACCEPTED, None)
    assert (await written(loans, claim_id))[1] == [*before[1], "accepted"]


async def test_a_drafted_claim_waits_for_the_enterprise_and_a_rejection_ends_it(loans: Loans) -> None:
    handle = await start(loans, drafted=True)
    await refused(handle, SubsidyClaimWorkflow.accept_claim, AcceptClaimInput(actor=c.REVIEWER),
                  "StepWrongStage", "drafted")  # fmt: skip
    await handle.execute_update(SubsidyClaimWorkflow.confirm_claim, ConfirmClaimInput(actor=c.ENTERPRISE))
    await handle.execute_update(SubsidyClaimWorkflow.reject_claim, RejectClaimInput(actor=c.REVIEWER, reason="重复"))
    result = await handle.result()
    assert result.status is ClaimStatus.REJECTED
    assert (await written(loans, handle.id.removeprefix("subsidy-claim-")))[1] == ["drafted", "confirmed", "rejected"]


def test_the_handlers_are_named_as_the_api_sends_them() -> None:
    definition = workflow._Definition.from_class(SubsidyClaimWorkflow)  # the SDK's own reading of the class
    assert definition is not None
    assert set(definition.updates) == {u.value for u in ClaimUpdate}


async def on_notice(loans: Loans) -> tuple[Handle, date]:
    """An approved claim put on a 7-working-day notice today; the notice's last day."""
    handle = await returned_then_approved(loans)
    today = await loans.today()
    ends = notice_ends(today, 7).day
    notice = StartNoticeInput(actor=c.REVIEWER, published_on=today, ends_on=ends)
    await handle.execute_update(SubsidyClaimWorkflow.start_notice, notice)
    return handle, ends


async def paid(loans: Loans) -> tuple[Handle, Decimal]:
    """A claim through its notice, in the funding plan cut by ¥83.33, and paid today; the amount paid."""
    handle, ends = await on_notice(loans)
    await loans.env.sleep(end_of_day(ends) - await loans.env.get_current_time() + timedelta(hours=1))
    cut = c.COMPUTED - Decimal("83.33")
    await handle.execute_update(
        SubsidyClaimWorkflow.set_funding, SetFundingInput(actor=c.REVIEWER, plan_id="r1", amount=cut)
    )
    payment = RecordPaymentInput(actor=c.REVIEWER, amount=cut, paid_on=await loans.today(), voucher="国库支付001")
    await handle.execute_update(SubsidyClaimWorkflow.record_payment, payment)
    return handle, cut


async def test_supervision_a_check_falls_due_at_the_next_quarter_end_and_a_clawback_closes_when_repaid(
    loans: Loans,
) -> None:
    handle = await clawed_back(loans)
    result = await handle.result()
    assert result.status is ClaimStatus.CLOSED
    kinds = (await written(loans, handle.id.removeprefix("subsidy-claim-")))[1]
    assert kinds[-4:] == ["paid", "check_due", "clawback_ordered", "clawback_repaid"]


async def clawed_back(loans: Loans) -> Handle:
    """Through its notice (by the timer) to payment, a check due at the next quarter end, a clawback ordered and
    repaid (also recorded for the replay tests)."""
    handle, amount = await paid(loans)
    state = await handle.query(SubsidyClaimWorkflow.get_state)
    assert state.next_check_on is not None
    await loans.env.sleep(end_of_day(state.next_check_on) - await loans.env.get_current_time() + timedelta(hours=1))
    assert (await handle.query(SubsidyClaimWorkflow.get_state)).status is ClaimStatus.CHECK_DUE
    today = await loans.today()
    greedy = RecordCheckInput(actor=c.REVIEWER, checked_on=today, finding="clawback", note="贷款已逾期，不再符合条件",
                              amount=amount + Decimal("0.01"), deadline=today + timedelta(days=30))  # fmt: skip
    await refused(handle, SubsidyClaimWorkflow.record_check, greedy, "StepRuleViolation", "above what was paid")
    order = greedy.model_copy(update={"amount": amount})
    await handle.execute_update(SubsidyClaimWorkflow.record_check, order)
    short = RecordClawbackRepaidInput(actor=c.REVIEWER, amount=amount - 1, repaid_on=today, voucher="退款001")
    await refused(handle, SubsidyClaimWorkflow.record_clawback_repaid, short, "StepRuleViolation", "does not settle")
    repaid = short.model_copy(update={"amount": amount})
    await handle.execute_update(SubsidyClaimWorkflow.record_clawback_repaid, repaid)
    return handle


async def test_a_check_without_fault_schedules_the_next_or_closes_supervision(loans: Loans) -> None:
    handle, _ = await paid(loans)
    today = await loans.today()
    fine = RecordCheckInput(actor=c.REVIEWER, checked_on=today, finding="ok", note="贷款正常还款")
    checked = await handle.execute_update(SubsidyClaimWorkflow.record_check, fine)
    assert (checked.state.status, checked.state.next_check_on) == (ClaimStatus.PAID, next_quarter_end(today))
    closing = fine.model_copy(update={"closes": True, "note": "贷款已结清，监管结束"})
    await handle.execute_update(SubsidyClaimWorkflow.record_check, closing)
    assert (await handle.result()).status is ClaimStatus.CLOSED


async def test_the_notice_ends_by_its_timer_then_the_plan_and_the_payment(loans: Loans) -> None:
    handle, ends = await on_notice(loans)
    anonymous = RecordObjectionInput(
        actor=c.REVIEWER, objector="匿名群众", contact="无", statement="有问题", received_on=await loans.today()
    )
    await refused(handle, SubsidyClaimWorkflow.record_objection, anonymous, "StepRuleViolation", "anonymous")
    await loans.env.sleep(end_of_day(ends) - await loans.env.get_current_time() - timedelta(hours=1))
    assert (await handle.query(SubsidyClaimWorkflow.get_state)).status is ClaimStatus.IN_NOTICE  # the last day
    await loans.env.sleep(timedelta(hours=2))
    assert (await handle.query(SubsidyClaimWorkflow.get_state)).status is ClaimStatus.NOTICED

    over = SetFundingInput(actor=c.REVIEWER, plan_id="r1", amount=c.COMPUTED + Decimal("0.01"))
    await refused(handle, SubsidyClaimWorkflow.set_funding, over, "StepRuleViolation", "above the approved")
    cut = c.COMPUTED - Decimal("83.33")
    await handle.execute_update(
        SubsidyClaimWorkflow.set_funding, SetFundingInput(actor=c.REVIEWER, plan_id="r1", amount=cut)
    )
    today = await loans.today()
    too_much = RecordPaymentInput(actor=c.REVIEWER, amount=c.COMPUTED, paid_on=today, voucher="国库支付001")
    await refused(handle, SubsidyClaimWorkflow.record_payment, too_much, "StepRuleViolation", "funding plan")
    paid = RecordPaymentInput(actor=c.REVIEWER, amount=cut, paid_on=today, voucher="国库支付001")
    await handle.execute_update(SubsidyClaimWorkflow.record_payment, paid)
    status, kinds, _ = await written(loans, handle.id.removeprefix("subsidy-claim-"))
    assert status == "paid"
    assert kinds[-4:] == ["notice_started", "notice_ended", "funded", "paid"]


async def test_a_named_objection_sends_the_claim_back_to_review_and_stops_the_notice(loans: Loans) -> None:
    handle, ends = await on_notice(loans)
    objection = RecordObjectionInput(
        actor=c.REVIEWER,
        objector="张三",
        contact="13800000000",
        statement="该企业已获同一费用的其他资助",
        received_on=await loans.today(),
    )
    back = await handle.execute_update(SubsidyClaimWorkflow.record_objection, objection)
    assert (back.state.status, back.state.notice, len(back.state.notices)) == (ClaimStatus.ACCEPTED, None, 1)
    assert back.state.approval is None
    await loans.env.sleep(end_of_day(ends) - await loans.env.get_current_time() + timedelta(hours=1))
    state = await handle.query(SubsidyClaimWorkflow.get_state)
    assert state.status is ClaimStatus.ACCEPTED  # the old notice's timer did nothing
    assert (await written(loans, handle.id.removeprefix("subsidy-claim-")))[1][-1] == "objection_received"


async def test_the_reviewers_limit_raises_a_reminder_and_the_clock_stops_for_the_filer(loans: Loans) -> None:
    today = await loans.today()
    data = c.claim_input(await c.a_round(loans.sessions), await loans.env.get_current_time())
    data.review_deadline = today + timedelta(days=14)
    handle = await loans.env.client.start_workflow(
        SubsidyClaimWorkflow.run, data, id=claim_workflow_id(data.claim_id), task_queue=loans.queue
    )
    loans.handles.append(handle)  # type: ignore[arg-type]
    await loans.env.sleep(
        end_of_day(today + timedelta(days=14)) - await loans.env.get_current_time() - timedelta(hours=1)
    )
    assert (await handle.query(SubsidyClaimWorkflow.get_state)).review_reminded == []
    await loans.env.sleep(timedelta(hours=2))
    state = await handle.query(SubsidyClaimWorkflow.get_state)
    assert state.review_reminded == [today + timedelta(days=14)]
    assert (await written(loans, data.claim_id))[1] == ["filed", "review_overdue"]

    # Returned, then corrected with a new due day: the reminder waits for that day, not before.
    returned = ReturnClaimInput(actor=c.REVIEWER, reason="不清晰", items=["tax_certificate"])
    await handle.execute_update(SubsidyClaimWorkflow.return_claim, returned)
    now = await loans.env.get_current_time()
    later = await loans.today() + timedelta(days=10)
    correction = CorrectClaimInput(
        actor=c.SPECIALIST, revision=c.revision(2, now), review_deadline=later, review_days_used=8
    )
    corrected = await handle.execute_update(SubsidyClaimWorkflow.correct_claim, correction)
    assert (corrected.state.review_deadline, corrected.state.review_days_used) == (later, 8)
    await loans.env.sleep(end_of_day(later) - await loans.env.get_current_time() + timedelta(hours=1))
    assert (await handle.query(SubsidyClaimWorkflow.get_state)).review_reminded[-1] == later
