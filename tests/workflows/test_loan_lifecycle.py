"""LoanLifecycleWorkflow on the time-skipping server: every stage, every rejection, every timer."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from contracts.base import STEP_NOT_YOUR_STEP, STEP_RULE_VIOLATION, STEP_WRONG_STAGE
from contracts.enums import FilingChannel, RepaymentMode, Stage
from contracts.loan_activities import AuthorityReceipt, FileWithAuthorityInput
from contracts.loan_state import StepResult
from services.domain.calendar import SHANGHAI, add_working_days, working_deadline
from services.domain.schedule import add_months
from services.store.tables import AuditRecord, Loan, LoanEvent, PledgeHold, ScheduleLine
from services.workflows.loan.workflow import LoanLifecycleWorkflow
from services.workflows.worker import build_worker
from tests.workflows import loan_steps as steps
from tests.workflows.conftest import Loans, rejected


class TestHappyPath:
    # Also outside the sandbox: a deployment may turn it off (WorkerSettings.workflow_sandbox).
    @pytest.mark.parametrize("loans", [True, False], indirect=True, ids=["sandboxed", "unsandboxed"])
    async def test_case_to_disbursement(self, loans: Loans) -> None:
        handle = await loans.open()
        loan_id = handle.id.removeprefix("loan-")
        await loans.to_registration(handle, guarantor="sz-guarantee")
        state = await handle.query(LoanLifecycleWorkflow.get_state)
        assert state.stage is Stage.REGISTRATION
        assert state.max_loan is not None
        assert str(state.max_loan) == "4000000.00"
        await handle.execute_update(LoanLifecycleWorkflow.sign_off, steps.sign_off())
        today = await loans.today()
        await handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(today))
        result: StepResult = await handle.execute_update(
            LoanLifecycleWorkflow.record_registration_outcome, steps.registered(today)
        )
        assert result.stage is Stage.DISBURSEMENT
        result = await handle.execute_update(LoanLifecycleWorkflow.disburse, steps.disburse(today))
        assert result.stage is Stage.SERVICING
        assert result.state.disbursement is not None
        async with loans.sessions() as session:
            loan = await session.get(Loan, loan_id)
            assert loan is not None
            assert loan.stage == "servicing"
            assert str(loan.disbursed_amount) == "3000000.00"
        # 1 opened + visit, qualification, application, valuation, accept, propose, approve, sign-off, file,
        # registered, disbursed = 12 events, each with one audit record
        assert await loans.count(LoanEvent, loan_id) == 12
        assert await loans.count(AuditRecord, loan_id) == 12
        # Interest on the 20th of each month and the maturity line: 13 lines over 12 months, or 12 when the loan
        # was disbursed on a 20th (its last interest day is its maturity). The test clock is shared with tests that
        # skip time, so the day is whatever it has reached.
        assert await loans.count(ScheduleLine, loan_id) == (12 if today.day == 20 else 13)


class TestRejections:
    async def test_wrong_stage_and_wrong_party(self, loans: Loans) -> None:
        handle = await loans.open()
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.submit_application, steps.application()),
            STEP_RULE_VIOLATION,
            "qualification review must pass",
        )
        await handle.execute_update(LoanLifecycleWorkflow.review_qualification, steps.qualification())
        await handle.execute_update(LoanLifecycleWorkflow.submit_application, steps.application())
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.propose_terms, steps.proposal()),
            STEP_WRONG_STAGE,
            "valuation must be accepted before approval; current stage: valuation",
        )
        await rejected(
            handle.execute_update(
                LoanLifecycleWorkflow.log_visit,
                steps.visit(await loans.today()).model_copy(update={"actor": steps.OTHER_BANK_OFFICER}),
            ),
            STEP_NOT_YOUR_STEP,
            "service-station specialist",
        )
        history = await handle.fetch_history()
        accepted = [
            e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        ]
        assert len(accepted) == 2, "a rejected update reached history (only qualification and application may)"

    async def test_amount_above_maximum_and_four_eyes(self, loans: Loans) -> None:
        handle = await loans.open()
        await loans.to_approval(handle)
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.propose_terms, steps.proposal(amount="4000000.01")),
            STEP_RULE_VIOLATION,
            "above the maximum loan ¥4,000,000.00",
        )
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.propose_terms, steps.proposal(spread=151)),
            STEP_RULE_VIOLATION,
            "spread",
        )
        await handle.execute_update(LoanLifecycleWorkflow.propose_terms, steps.proposal())
        same_person = steps.APPROVER.model_copy(update={"sub": steps.OFFICER.sub})
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.decide_approval, steps.decide(actor=same_person)),
            STEP_NOT_YOUR_STEP,
            "four eyes",
        )
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.decide_approval, steps.decide(actor=steps.OFFICER)),
            STEP_NOT_YOUR_STEP,
            "bank approver",
        )
        result = await handle.execute_update(LoanLifecycleWorkflow.decide_approval, steps.decide(approve=False))
        assert result.stage is Stage.REJECTED

    async def test_bullet_loans_for_a_year_at_most(self, loans: Loans) -> None:
        """一次性还本付息 is for loans of up to a year (domain §4); longer loans pay interest as they go."""
        handle = await loans.open()
        await loans.to_approval(handle, term=36)
        await rejected(
            handle.execute_update(
                LoanLifecycleWorkflow.propose_terms, steps.proposal(term=36, mode=RepaymentMode.BULLET)
            ),
            STEP_RULE_VIOLATION,
            "一次性还本付息 (bullet repayment) is for loans of at most 12 months, not 36",
        )
        result = await handle.execute_update(
            LoanLifecycleWorkflow.propose_terms, steps.proposal(term=12, mode=RepaymentMode.BULLET)
        )
        assert result.state.proposal is not None
        assert (result.state.proposal.term_months, result.state.proposal.repayment_mode) == (12, RepaymentMode.BULLET)

    async def test_expired_valuation(self, loans: Loans) -> None:
        handle = await loans.open()
        today = await loans.today()
        await handle.execute_update(LoanLifecycleWorkflow.review_qualification, steps.qualification())
        await handle.execute_update(LoanLifecycleWorkflow.submit_application, steps.application())
        old = steps.valuation(today - timedelta(days=400), valid_days=365)
        # Refused when it is submitted already (not first when it is accepted).
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.submit_valuation, old),
            STEP_RULE_VIOLATION,
            f"the report expired on {old.valid_until}",
        )
        # A report valid when submitted may still expire before it is accepted.
        ageing = steps.valuation(today - timedelta(days=300), valid_days=365)
        await handle.execute_update(LoanLifecycleWorkflow.submit_valuation, ageing)
        await loans.env.sleep(timedelta(days=70))
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.accept_valuation, steps.accept()),
            STEP_RULE_VIOLATION,
            "expired",
        )

    async def test_same_asset_in_two_open_loans_until_withdrawn(self, loans: Loans) -> None:
        first, second = await loans.open(), await loans.open()
        for handle in (first, second):
            await handle.execute_update(LoanLifecycleWorkflow.review_qualification, steps.qualification())
        await first.execute_update(LoanLifecycleWorkflow.submit_application, steps.application())
        await rejected(
            second.execute_update(LoanLifecycleWorkflow.submit_application, steps.application()),
            STEP_RULE_VIOLATION,
            "is already pledged in another open loan",
        )
        assert (await second.query(LoanLifecycleWorkflow.get_state)).stage is Stage.GUIDANCE
        await first.execute_update(LoanLifecycleWorkflow.withdraw, steps.close())
        assert await first.result() is not None
        result = await second.execute_update(LoanLifecycleWorkflow.submit_application, steps.application())
        assert result.stage is Stage.VALUATION
        assert await loans.count(PledgeHold, first.id.removeprefix("loan-")) == 1  # released, kept as history

    async def test_registration_prechecks(self, loans: Loans) -> None:
        handle = await loans.open()
        today = await loans.today()
        # A 12-month loan fits the right's life when applied for and proposed; filed 40 days later, it no longer
        # would (the authority would refuse it).
        short_lived = steps.asset(expiry=today + timedelta(days=390), co_owners=["合作大学"])
        await handle.execute_update(LoanLifecycleWorkflow.review_qualification, steps.qualification())
        await handle.execute_update(LoanLifecycleWorkflow.submit_application, steps.application(assets=[short_lived]))
        await handle.execute_update(LoanLifecycleWorkflow.submit_valuation, steps.valuation(today))
        await handle.execute_update(LoanLifecycleWorkflow.accept_valuation, steps.accept())
        await handle.execute_update(LoanLifecycleWorkflow.propose_terms, steps.proposal())
        await handle.execute_update(LoanLifecycleWorkflow.decide_approval, steps.decide())
        await loans.env.sleep(timedelta(days=40))
        later = await loans.today()
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(later)),
            STEP_RULE_VIOLATION,
            "co-owner consent missing",
        )
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(later, consents=["合作大学"])),
            STEP_RULE_VIOLATION,
            "after 202310456781.4 expires",
        )
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.disburse, steps.disburse(today)),
            STEP_WRONG_STAGE,
            "registered and effective before disbursement",
        )

    async def test_disbursement_maturing_after_a_pledged_right_expires(self, loans: Loans) -> None:
        """The loan matures a term after its disbursement: a 12-month loan on a patent expiring a year and 20 days
        after the filing fits when filed, and no longer when disbursed 40 days later (issue 13)."""
        handle = await loans.open()
        today = await loans.today()
        patent = steps.asset(expiry=add_months(today, 12) + timedelta(days=20))
        await loans.to_registration(handle, assets=[patent])
        await handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(today))
        await handle.execute_update(LoanLifecycleWorkflow.record_registration_outcome, steps.registered(today))
        await loans.env.sleep(timedelta(days=40))
        later = await loans.today()
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.disburse, steps.disburse(later)),
            STEP_RULE_VIOLATION,
            f"a 12-month loan disbursed on {later} would mature on {add_months(later, 12)}, after 202310456781.4 "
            f"expires on {patent.expiry_date}",
        )
        state = await handle.query(LoanLifecycleWorkflow.get_state)
        assert (state.stage, state.disbursement) == (Stage.DISBURSEMENT, None)

    async def test_guarantor_not_on_loan_and_decline(self, loans: Loans) -> None:
        handle = await loans.open()
        await loans.to_registration(handle, guarantor="sz-guarantee")
        await rejected(
            handle.execute_update(LoanLifecycleWorkflow.sign_off, steps.sign_off(steps.OTHER_GUARANTOR)),
            STEP_NOT_YOUR_STEP,
            "guarantee company or insurer named",
        )
        result = await handle.execute_update(LoanLifecycleWorkflow.decline_sign_off, steps.decline())
        assert result.stage is Stage.APPROVAL
        assert result.state.decision is None


class TestRegistration:
    async def test_refused_then_refiled(self, loans: Loans) -> None:
        handle = await loans.open()
        await loans.to_registration(handle)
        today = await loans.today()
        await handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(today))
        result = await handle.execute_update(LoanLifecycleWorkflow.record_registration_outcome, steps.refused())
        assert result.state.filings["ip-gm-inv-1"].outcome == "refused"
        await handle.execute_update(
            LoanLifecycleWorkflow.file_registration, steps.filing(today, channel=FilingChannel.PAPER)
        )
        result = await handle.execute_update(LoanLifecycleWorkflow.record_registration_outcome, steps.registered(today))
        assert result.stage is Stage.DISBURSEMENT
        assert result.state.filings["ip-gm-inv-1"].attempt == 2
        assert len(result.state.filing_history) == 1


class FakeCnipa:
    """The outside world (the patent office's online system), faked behind the adapter interface."""

    name = "fake-cnipa"

    def __init__(self) -> None:
        self.filings: list[FileWithAuthorityInput] = []

    async def file(self, filing: FileWithAuthorityInput) -> AuthorityReceipt:
        self.filings.append(filing)
        return AuthorityReceipt(
            adapter=self.name, reference=f"CNIPA-{filing.asset.number}-{filing.attempt}", outcome_entered_manually=False
        )


class TestAuthorityAdapter:
    async def test_filing_goes_through_the_adapter(
        self, time_skipping_env: WorkflowEnvironment, seeded_sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        cnipa = FakeCnipa()
        queue = f"loans-{uuid.uuid4().hex}"
        loans = Loans(time_skipping_env, seeded_sessions, queue)
        async with build_worker(time_skipping_env.client, seeded_sessions, task_queue=queue, authority=cnipa):
            try:
                handle = await loans.open()
                await loans.to_registration(handle)
                result = await handle.execute_update(
                    LoanLifecycleWorkflow.file_registration, steps.filing(await loans.today())
                )
            finally:
                await loans.terminate_all()
        filing = result.state.filings["ip-gm-inv-1"]
        assert filing.adapter == "fake-cnipa"
        assert filing.authority_reference == "CNIPA-202310456781.4-1"
        assert [f.asset.id for f in cnipa.filings] == ["ip-gm-inv-1"]


class TestTimers:
    async def test_inactivity_reminder(self, loans: Loans) -> None:
        handle = await loans.open(reminder_days=3)
        opened = await loans.today()
        due = add_working_days(opened, 3) + timedelta(days=1)  # the end of the third working day
        state = await loans.advance(handle, lambda s: bool(s.reminders), until=due + timedelta(days=2))
        first = state.reminders[0]
        assert first.idle_since == opened
        assert first.raised_at.astimezone(SHANGHAI).date() == due
        async with loans.sessions() as session:
            query = select(col(LoanEvent.kind)).where(col(LoanEvent.loan_id) == handle.id.removeprefix("loan-"))
            assert "reminder" in (await session.execute(query)).scalars().all()

    async def test_activity_postpones_reminder(self, loans: Loans) -> None:
        handle = await loans.open(reminder_days=3)
        opened = await loans.today()
        await loans.advance(handle, lambda _: False, until=add_working_days(opened, 2))
        await handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(await loans.today()))
        state = await loans.advance(handle, lambda _: False, until=add_working_days(opened, 4))
        assert state.reminders == [], "a visit should have reset the idle clock"

    async def test_steps_on_one_day_restart_the_timer_once(self, loans: Loans) -> None:
        """The first visit of the day moves the reminder (one cancel and restart); the next ones leave it where
        it is and do not touch the timer. The reminder still comes on time."""
        handle = await loans.open(reminder_days=3)
        opened = await loans.today()
        await loans.advance(handle, lambda _: False, until=add_working_days(opened, 2))
        visited = await loans.today()
        for _ in range(3):
            await handle.execute_update(LoanLifecycleWorkflow.log_visit, steps.visit(visited))
        history = await handle.fetch_history()
        kinds = [event.event_type for event in history.events]
        assert kinds.count(EventType.EVENT_TYPE_TIMER_CANCELED) == 1
        assert kinds.count(EventType.EVENT_TYPE_TIMER_STARTED) == 2
        due = add_working_days(visited, 3) + timedelta(days=1)
        state = await loans.advance(handle, lambda s: bool(s.reminders), until=due + timedelta(days=2))
        assert state.reminders[0].idle_since == visited
        assert state.reminders[0].raised_at.astimezone(SHANGHAI).date() == due

    async def test_long_guidance_continues_as_new_and_keeps_its_reminder(self, loans: Loans) -> None:
        """Each step's answer carries the state into the history, so a case with very many steps before
        disbursement continues as new: nothing is lost or written twice, the stage and the reminder carry on."""
        handle = await loans.open(reminder_days=3, config={"history_limit": 100})
        loan_id = handle.id.removeprefix("loan-")
        first_run = (await handle.describe()).run_id
        today = await loans.today()
        for n in range(40):
            visit = steps.visit(today).model_copy(update={"outcome": f"第 {n} 次走访"})
            result = await handle.execute_update(LoanLifecycleWorkflow.log_visit, visit)
        assert [v.outcome for v in result.state.visits] == [f"第 {n} 次走访" for n in range(40)]
        assert (await handle.describe()).run_id != first_run, "the case never continued as new"
        state = await handle.query(LoanLifecycleWorkflow.get_state)
        assert state.stage is Stage.GUIDANCE
        assert len(state.visits) == 40
        async with loans.sessions() as session:
            query = select(col(LoanEvent.kind)).where(col(LoanEvent.loan_id) == loan_id)
            events = (await session.execute(query)).scalars().all()
        assert events.count("visit_logged") == 40
        assert events.count("opened") == 1
        due = add_working_days(today, 3) + timedelta(days=1)
        state = await loans.advance(handle, lambda s: bool(s.reminders), until=due + timedelta(days=2))
        assert len(state.visits) == 40
        assert state.reminders[0].idle_since == today
        assert state.reminders[0].raised_at.astimezone(SHANGHAI).date() == due

    async def test_registration_deadline_overdue(self, loans: Loans) -> None:
        handle = await loans.open(reminder_days=60)
        await loans.to_registration(handle)
        today = await loans.today()
        await handle.execute_update(LoanLifecycleWorkflow.file_registration, steps.filing(today))
        counted = working_deadline(today, 2)
        deadline = counted.day
        state = await loans.advance(handle, lambda _: False, until=deadline)
        assert state.filings["ip-gm-inv-1"].deadline == deadline
        assert state.filings["ip-gm-inv-1"].deadline_provisional is counted.provisional
        assert not state.filings["ip-gm-inv-1"].overdue, "overdue before the deadline passed"
        state = await loans.advance(
            handle, lambda s: s.filings["ip-gm-inv-1"].overdue, until=deadline + timedelta(days=3)
        )
        assert state.filings["ip-gm-inv-1"].overdue


def test_update_names_match_the_workflow() -> None:
    """The API calls updates by the names in contracts; each must exist on the workflow, and every update too."""
    from temporalio import workflow

    from contracts.loans import LoanUpdate

    definition = workflow._Definition.must_from_class(LoanLifecycleWorkflow)
    assert set(definition.updates) == {u.value for u in LoanUpdate}
