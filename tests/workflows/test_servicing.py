"""Servicing on the time-skipping server: repayments to closure, a missed payment, default to disposal,
a 36-month loan with early repayment across continue-as-new, a trademark pledge needing extension.

Webhook delivery is tested end to end on the dev server (tests/api/test_servicing_e2e.py): the time-skipping
test server stops skipping time once a loan has started webhook child workflows that called out over HTTP."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from temporalio.client import WorkflowHandle

from contracts.base import STEP_NOT_YOUR_STEP, STEP_RULE_VIOLATION, STEP_WRONG_STAGE
from contracts.disposal import (
    ChooseDisposalMethodInput,
    ListDisposalAssetsInput,
    RecordDisposalReleaseInput,
    RecordDisposalSaleInput,
    UpdateDisposalValuationInput,
    disposal_workflow_id,
)
from contracts.enums import DisposalMethod, FilingChannel, IPKind, RepaymentMode, RiskTier, Stage
from contracts.loan_state import LoanState
from contracts.loan_steps import (
    DowngradeLoanInput,
    FileReleaseInput,
    PrepayLoanInput,
    RecordCompensationInput,
    RecordExtensionInput,
    RecordReleaseOutcomeInput,
    RecordRepaymentInput,
    WriteOffLoanInput,
)
from services.domain.calendar import SHANGHAI, working_deadline
from services.domain.money import to_fen
from services.domain.servicing import position, quote_prepayment
from services.store.tables import LoanEvent, PledgeHold, ScheduleLine
from services.workflows.disposal import DisposalWorkflow
from services.workflows.loan.workflow import LoanLifecycleWorkflow
from tests.workflows import loan_steps as steps
from tests.workflows.conftest import Loans, rejected

Handle = WorkflowHandle[LoanLifecycleWorkflow, LoanState]
D = Decimal


async def disbursed(loans: Loans, guarantor: str | None = None, **terms: Any) -> tuple[Handle, date]:
    handle = await loans.open(config=terms.pop("config", None))
    await loans.to_registration(handle, guarantor=guarantor, **terms)
    if guarantor:
        await handle.execute_update(LoanLifecycleWorkflow.sign_off, steps.sign_off())
    today = await loans.today()
    await handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(today))
    await handle.execute_update(
        LoanLifecycleWorkflow.record_registration_outcome,
        steps.registered(today, pledge_end=terms.get("pledge_end")),
    )
    await handle.execute_update(
        LoanLifecycleWorkflow.disburse, steps.disburse(today, amount=str(terms.get("amount", "3000000.00")))
    )
    return handle, today


async def sleep_until(loans: Loans, day: date, hour: int = 10) -> None:
    """Skip time to `hour` o'clock on `day` in Shanghai (timers on the way fire)."""
    target = datetime.combine(day, time(hour), tzinfo=SHANGHAI)
    now = await loans.env.get_current_time()
    if target > now:
        await loans.env.sleep(target - now)


async def state_of(handle: Handle) -> LoanState:
    return await handle.query(LoanLifecycleWorkflow.get_state)


def pay(amount: Decimal, on: date, reference: str = "回单") -> RecordRepaymentInput:
    return RecordRepaymentInput(actor=steps.OFFICER, amount=amount, value_date=on, reference=reference)


async def kinds(loans: Loans, loan_id: str) -> list[str]:
    async with loans.sessions() as session:
        rows = await session.execute(
            select(col(LoanEvent.kind)).where(col(LoanEvent.loan_id) == loan_id).order_by(col(LoanEvent.seq))
        )
        return [str(k) for k in rows.scalars()]


async def release_all(handle: Handle, on: date) -> LoanState:
    filed = await handle.execute_update(
        LoanLifecycleWorkflow.file_release,
        FileReleaseInput(actor=steps.OFFICER, asset_id="ip-gm-inv-1", channel=FilingChannel.ONLINE, filed_on=on),
    )
    assert filed.state.servicing is not None
    release = filed.state.servicing.releases["ip-gm-inv-1"]
    # Provisional when counted through a year the calendar package does not know yet (2027 on with 1.11).
    assert (release.deadline, release.deadline_provisional) == astuple(working_deadline(on, 2))
    result = await handle.execute_update(
        LoanLifecycleWorkflow.record_release_outcome,
        RecordReleaseOutcomeInput(
            actor=steps.OFFICER, asset_id="ip-gm-inv-1", released=True, release_date=on, notice_number="ZX-2027-001"
        ),
    )
    return result.state


class TestRepaidToClosure:
    async def test_twelve_months_paid_on_time_then_released(self, loans: Loans) -> None:
        handle, _start = await disbursed(loans)
        loan_id = handle.id.removeprefix("loan-")
        state = await state_of(handle)
        assert state.servicing is not None
        lines = state.servicing.ledger.lines
        assert len(lines) == 13
        for line in lines:
            await sleep_until(loans, line.due_date)
            result = await handle.execute_update(
                LoanLifecycleWorkflow.record_repayment, pay(line.unpaid, line.due_date)
            )
            assert result.state.servicing is not None
            assert result.state.servicing.tier is RiskTier.NORMAL
        state = await state_of(handle)
        assert state.stage is Stage.RELEASE
        assert state.servicing is not None
        assert state.servicing.ledger.repaid
        assert state.servicing.ledger.penalty_paid == 0
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.record_repayment, pay(D("1.00"), lines[-1].due_date)),
            STEP_WRONG_STAGE,
            "repayments are recorded on a disbursed loan",
        )
        state = await release_all(handle, lines[-1].due_date)
        assert state.stage is Stage.CLOSED
        assert state.closure is not None
        assert state.closure.outcome == "closed"
        events = await kinds(loans, loan_id)
        assert events.count("repayment_recorded") == 13
        assert events.count("due_soon") == 13
        assert "overdue" not in events
        assert events[-2:] == ["release_filed", "released"]
        async with loans.sessions() as session:
            holds = (await session.execute(select(PledgeHold).where(col(PledgeHold.loan_id) == loan_id))).scalars()
            assert all(h.released_at is not None for h in holds)
            schedule = (
                (await session.execute(select(ScheduleLine).where(col(ScheduleLine.loan_id) == loan_id)))
                .scalars()
                .all()
            )
            assert all(s.paid_principal == s.principal and s.paid_interest == s.interest for s in schedule)


class TestMissedPayment:
    async def test_special_mention_penalty_to_the_fen_then_cured(self, loans: Loans) -> None:
        handle, _ = await disbursed(loans)
        loan_id = handle.id.removeprefix("loan-")
        state = await state_of(handle)
        assert state.servicing is not None
        first, second = state.servicing.ledger.lines[:2]
        await sleep_until(loans, first.due_date)
        await handle.execute_update(LoanLifecycleWorkflow.record_repayment, pay(first.unpaid, first.due_date))
        # The second instalment is missed: 20 days later the loan is 关注 with penalty interest on the interest.
        late = second.due_date + timedelta(days=20)
        await sleep_until(loans, late)
        state = await state_of(handle)
        assert state.servicing is not None
        assert state.servicing.tier is RiskTier.SPECIAL_MENTION
        assert position(state.servicing.ledger, late).days_past_due == 20
        rate = state.servicing.ledger.penalty_rate_percent
        assert rate == D("5.25")  # (3.00 % LPR + 50 bp) × 1.5
        penalty = to_fen(second.interest * rate / 100 * 19 / 360)  # 19 days before today, 算头不算尾
        quote = quote_prepayment(state.servicing.ledger, late, None)
        assert quote.overdue.penalty == penalty
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.record_repayment, pay(D("1.00"), late + timedelta(days=1))),
            STEP_RULE_VIOLATION,
            "in the future",
        )
        result = await handle.execute_update(
            LoanLifecycleWorkflow.record_repayment, pay(second.interest + penalty, late)
        )
        servicing = result.state.servicing
        assert servicing is not None
        assert servicing.payments[-1].allocation.penalty == penalty
        assert servicing.payments[-1].allocation.interest == second.interest
        assert servicing.tier is RiskTier.NORMAL
        assert [(c.previous, c.tier) for c in servicing.tier_history] == [
            (RiskTier.NORMAL, RiskTier.SPECIAL_MENTION),
            (RiskTier.SPECIAL_MENTION, RiskTier.NORMAL),
        ]
        events = await kinds(loans, loan_id)
        assert events.count("overdue") == 1
        assert events.count("tier_changed") == 2  # into 关注 by the timer, back to 正常 with the repayment


class TestDefault:
    async def test_substandard_doubtful_compensation_disposal_write_off(self, loans: Loans) -> None:
        handle, _ = await disbursed(loans, guarantor="sz-guarantee", config={"compensation_days": 280})
        loan_id = handle.id.removeprefix("loan-")
        state = await state_of(handle)
        assert state.servicing is not None
        first = state.servicing.ledger.lines[0]
        await rejected(
            handle.execute_update(
                LoanLifecycleWorkflow.record_compensation,
                RecordCompensationInput(
                    actor=steps.GUARANTOR, amount=D("1.00"), value_date=first.due_date, reference="x"
                ),
            ),
            STEP_RULE_VIOLATION,
            "asked to compensate once the loan is 280 days past due",
        )
        await sleep_until(loans, first.due_date + timedelta(days=285))
        state = await state_of(handle)
        servicing = state.servicing
        assert servicing is not None
        assert [c.tier for c in servicing.tier_history] == [
            RiskTier.SPECIAL_MENTION,
            RiskTier.SUBSTANDARD,
            RiskTier.DOUBTFUL,
        ]
        assert servicing.compensation_requested_on == first.due_date + timedelta(days=280)
        today = await loans.today()
        await rejected(
            handle.execute_update(
                LoanLifecycleWorkflow.record_compensation,
                RecordCompensationInput(actor=steps.OTHER_GUARANTOR, amount=D("1.00"), value_date=today, reference="x"),
            ),
            STEP_NOT_YOUR_STEP,
            "the guarantee company on the loan",
        )
        result = await handle.execute_update(
            LoanLifecycleWorkflow.record_compensation,
            RecordCompensationInput(
                actor=steps.GUARANTOR, amount=D("2000000.00"), value_date=today, reference="代偿-1"
            ),
        )
        assert result.state.stage is Stage.DEFAULT
        assert result.state.servicing is not None
        assert result.state.servicing.recourse_claim == D("2000000.00")
        disposal = loans.env.client.get_workflow_handle(disposal_workflow_id(loan_id))
        await rejected(
            disposal.execute_update(
                DisposalWorkflow.choose_method,
                ChooseDisposalMethodInput(actor=steps.OFFICER, method=DisposalMethod.AUCTION),
            ),
            STEP_WRONG_STAGE,
            "needs an updated valuation",
        )
        await disposal.execute_update(
            DisposalWorkflow.update_valuation,
            UpdateDisposalValuationInput(
                actor=steps.OFFICER, value=D("1500000.00"), report_number="处置评估-1", base_date=today
            ),
        )
        await disposal.execute_update(
            DisposalWorkflow.choose_method,
            ChooseDisposalMethodInput(actor=steps.OFFICER, method=DisposalMethod.AUCTION),
        )
        await disposal.execute_update(
            DisposalWorkflow.list_assets,
            ListDisposalAssetsInput(
                actor=steps.OFFICER, listed_on=today, venue="深圳联合产权交易所", asking_price=D("1500000.00")
            ),
        )
        await disposal.execute_update(
            DisposalWorkflow.record_sale,
            RecordDisposalSaleInput(
                actor=steps.OFFICER,
                buyer="深圳某科技公司",
                proceeds=D("800000.00"),
                sold_on=today,
                contract_number="拍-1",
            ),
        )
        await disposal.execute_update(
            DisposalWorkflow.record_release,
            RecordDisposalReleaseInput(actor=steps.OFFICER, release_date=today, notice_number="ZX-1"),
        )
        state = await loans.advance(handle, lambda s: s.servicing is not None and s.servicing.disposal is not None,
                                    until=today + timedelta(days=2))  # fmt: skip
        servicing = state.servicing
        assert servicing is not None
        assert servicing.disposal is not None
        assert servicing.disposal.proceeds == D("800000.00")
        assert state.stage is Stage.DEFAULT  # 3 M + interest owed, 2.8 M received: a remainder is left
        assert not servicing.ledger.repaid
        result = await handle.execute_update(
            LoanLifecycleWorkflow.write_off, WriteOffLoanInput(actor=steps.APPROVER, reason="处置完毕，余额核销")
        )
        assert result.state.stage is Stage.WRITTEN_OFF
        assert result.state.servicing is not None
        assert result.state.servicing.written_off > 0
        events = await kinds(loans, loan_id)
        for kind in ("compensation_requested", "compensated", "disposal_started", "disposal_sold",
                     "disposal_released", "disposed", "written_off"):  # fmt: skip
            assert kind in events, kind


class TestLongLoan:
    async def test_36_months_equal_instalments_early_repayment_and_continue_as_new(self, loans: Loans) -> None:
        handle, _start = await disbursed(
            loans,
            term=36,
            mode=RepaymentMode.EQUAL_INSTALMENT,
            amount="3000000.00",
            config={"history_limit": 200},
        )
        loan_id = handle.id.removeprefix("loan-")
        first_run = (await handle.describe()).run_id
        state = await state_of(handle)
        assert state.servicing is not None
        for line in state.servicing.ledger.lines[:6]:
            await sleep_until(loans, line.due_date)
            await handle.execute_update(LoanLifecycleWorkflow.record_repayment, pay(line.unpaid, line.due_date))
        state = await state_of(handle)
        assert state.servicing is not None
        before = state.servicing.ledger.lines[7].unpaid
        on = state.servicing.ledger.lines[6].period_start + timedelta(days=10)
        await sleep_until(loans, on)
        quote = quote_prepayment(state.servicing.ledger, on, D("1000000.00"))
        result = await handle.execute_update(
            LoanLifecycleWorkflow.prepay,
            PrepayLoanInput(
                actor=steps.OFFICER,
                value_date=on,
                principal=D("1000000.00"),
                expected_total=quote.total,
                reference="提前还款",
            ),
        )
        servicing = result.state.servicing
        assert servicing is not None
        assert servicing.ledger.lines[7].unpaid < before  # lower instalments after the early repayment
        assert sum(line.principal for line in servicing.ledger.lines) == D("3000000.00")
        for line in servicing.ledger.lines:
            if line.settled:
                continue
            await sleep_until(loans, line.due_date)
            await handle.execute_update(LoanLifecycleWorkflow.record_repayment, pay(line.unpaid, line.due_date))
        state = await state_of(handle)
        assert state.stage is Stage.RELEASE
        assert state.servicing is not None
        assert len(state.servicing.payments) == 37
        assert state.servicing.ledger.penalty_paid == 0
        assert (await handle.describe()).run_id != first_run, "the loan never continued as new"
        events = await kinds(loans, loan_id)
        assert events.count("repayment_recorded") == 36
        assert events.count("prepayment_recorded") == 1
        assert len(events) == len(set(zip(events, range(len(events)), strict=True)))
        state = await release_all(handle, await loans.today())
        assert state.stage is Stage.CLOSED


class TestTrademarkExtension:
    async def test_pledge_ending_before_maturity_is_reminded_and_extended(self, loans: Loans) -> None:
        today = await loans.today()
        pledge_end = today + timedelta(days=200)
        handle, _ = await disbursed(loans, assets=[steps.asset(kind=IPKind.TRADEMARK)], pledge_end=pledge_end)
        loan_id = handle.id.removeprefix("loan-")
        await rejected(
            handle.execute_update(
                LoanLifecycleWorkflow.file_release,
                FileReleaseInput(
                    actor=steps.OFFICER, asset_id="ip-gm-inv-1", channel=FilingChannel.ONLINE, filed_on=today
                ),
            ),
            STEP_WRONG_STAGE,
            "released once the loan is repaid in full",
        )
        await sleep_until(loans, pledge_end - timedelta(days=31))
        assert "extension_due" not in await kinds(loans, loan_id)
        await sleep_until(loans, pledge_end - timedelta(days=29))
        assert "extension_due" in await kinds(loans, loan_id)
        result = await handle.execute_update(
            LoanLifecycleWorkflow.record_extension,
            RecordExtensionInput(
                actor=steps.OFFICER, asset_id="ip-gm-inv-1", new_end_date=pledge_end + timedelta(days=400)
            ),
        )
        assert result.state.filings["ip-gm-inv-1"].pledge_end_date == pledge_end + timedelta(days=400)
        await rejected(
            handle.execute_update(
                LoanLifecycleWorkflow.record_extension,
                RecordExtensionInput(actor=steps.OFFICER, asset_id="ip-gm-inv-1", new_end_date=pledge_end),
            ),
            STEP_RULE_VIOLATION,
            "no trademark pledge",
        )
        await rejected(
            handle.execute_update(
                LoanLifecycleWorkflow.downgrade,
                DowngradeLoanInput(actor=steps.OFFICER, tier=RiskTier.NORMAL, reason="x"),
            ),
            STEP_RULE_VIOLATION,
            "can only downgrade",
        )
        result = await handle.execute_update(
            LoanLifecycleWorkflow.downgrade,
            DowngradeLoanInput(actor=steps.APPROVER, tier=RiskTier.DOUBTFUL, reason="企业经营恶化"),
        )
        assert result.state.servicing is not None
        assert result.state.servicing.tier is RiskTier.DOUBTFUL  # unpaid since its first due date: 次级 by now
        assert result.state.servicing.tier_history[-1].manual


async def test_payment_before_disbursement_is_refused(loans: Loans) -> None:
    handle = await loans.open()
    await rejected(
        handle.execute_update(LoanLifecycleWorkflow.record_repayment, pay(D("100.00"), await loans.today())),
        STEP_NOT_YOUR_STEP,
        "bank officer of the loan's bank",
    )
    await loans.to_registration(handle)
    await rejected(
        handle.execute_update(LoanLifecycleWorkflow.record_repayment, pay(D("100.00"), await loans.today())),
        STEP_WRONG_STAGE,
        "repayments are recorded on a disbursed loan",
    )
