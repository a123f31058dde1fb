"""Dates a clerk enters are checked against the loan and today: each example the hostile-input pass found."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from contracts.base import STEP_RULE_VIOLATION, Recorded
from contracts.enums import Authority, FilingChannel, Stage
from contracts.loan_state import Application, Decision, Disbursement, Filing, LoanState, Proposal
from contracts.loan_steps import RecordRegistrationOutcomeInput, RecordRepaymentInput
from services.domain.loan_rules import LoanAction, StepRejected, check_step, same_person
from services.domain.step_dates import DateRejected, check_dates
from tests.workflows import loan_steps as steps

TODAY = date(2026, 11, 30)
OPENED = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def opened_today() -> LoanState:
    data = steps.open_input("L-dates", OPENED)
    return LoanState(
        loan_id=data.loan_id,
        enterprise_id=data.enterprise_id,
        enterprise_name=data.enterprise_name,
        district=data.district,
        station_id=data.station_id,
        opened=data.opened,
        config=data.config,
        last_activity_at=OPENED,
    )


def approved_today() -> LoanState:
    state = opened_today()
    application = steps.application().model_dump(exclude={"actor", "request_id"})
    state.application = Application(**application, by=steps.SPECIALIST, at=OPENED)
    state.decision = Decision(approved=True, reason="同意", by=steps.APPROVER, at=OPENED)
    return state


def filed(on: date) -> LoanState:
    state = approved_today()
    state.filings["ip-gm-inv-1"] = Filing(
        asset_id="ip-gm-inv-1",
        attempt=1,
        authority=Authority.CNIPA,
        channel=FilingChannel.ONLINE,
        filed_on=on,
        deadline=on + timedelta(days=3),
        by=steps.OFFICER,
        at=OPENED,
    )
    return state


def rejected(action: LoanAction, state: LoanState, data: object, text: str) -> None:
    with pytest.raises(DateRejected) as info:
        check_dates(action, state, data, TODAY)
    assert text in info.value.message, info.value.message


class TestVisits:
    @pytest.mark.parametrize(
        ("day", "text"),
        [
            (TODAY + timedelta(days=1), "is in the future (today is 2026-11-30)"),
            (date(9999, 12, 31), "is in the future"),
            (TODAY - timedelta(days=1), "is before the case was opened on 2026-11-30"),
            (date(1, 1, 1), "is before the case was opened"),
        ],
    )
    def test_a_visit_is_between_the_opening_and_today(self, day: date, text: str) -> None:
        rejected(LoanAction.LOG_VISIT, opened_today(), steps.visit(day), f"the visit date {day} {text}")

    def test_the_next_visit_comes_after_the_visit(self) -> None:
        visit = steps.visit(TODAY).model_copy(update={"next_visit_on": TODAY - timedelta(days=3)})
        rejected(LoanAction.LOG_VISIT, opened_today(), visit, "must come after this visit on 2026-11-30")

    def test_the_next_visit_is_within_a_year(self) -> None:
        visit = steps.visit(TODAY).model_copy(update={"next_visit_on": date(9999, 12, 31)})
        rejected(LoanAction.LOG_VISIT, opened_today(), visit, "more than a year away")

    def test_a_visit_today_planning_the_next_is_fine(self) -> None:
        visit = steps.visit(TODAY).model_copy(update={"next_visit_on": TODAY + timedelta(days=14)})
        check_dates(LoanAction.LOG_VISIT, opened_today(), visit, TODAY)


class TestValuation:
    def test_valid_until_9999_is_refused_at_submission(self) -> None:
        report = steps.valuation(TODAY).model_copy(update={"valid_until": date(9999, 12, 31)})
        rejected(LoanAction.SUBMIT_VALUATION, opened_today(), report, "more than 12 months after its base date")

    def test_a_report_valid_in_1900_is_refused_at_submission(self) -> None:
        report = steps.valuation(TODAY).model_copy(
            update={"base_date": date(1899, 12, 1), "valid_until": date(1900, 6, 1)}
        )
        rejected(LoanAction.SUBMIT_VALUATION, opened_today(), report, "expired on 1900-06-01")

    def test_a_year_from_its_base_date_is_accepted(self) -> None:
        base = TODAY - timedelta(days=100)
        report = steps.valuation(base).model_copy(update={"valid_until": date(2027, 8, 22)})
        check_dates(LoanAction.SUBMIT_VALUATION, opened_today(), report, TODAY)


class TestRegistrationAndDisbursement:
    def test_a_filing_in_2001_on_a_case_approved_today(self) -> None:
        rejected(
            LoanAction.FILE_REGISTRATION,
            approved_today(),
            steps.filing(date(2001, 1, 1)),
            "the filing date 2001-01-01 is before the terms were approved on 2026-11-30",
        )

    def test_an_effective_date_before_the_filing(self) -> None:
        outcome = steps.registered(date(2001, 1, 2))
        rejected(
            LoanAction.RECORD_REGISTRATION_OUTCOME,
            filed(TODAY),
            outcome,
            "the effective date 2001-01-02 is before the registration was filed on 2026-11-30",
        )

    def test_a_pledge_ending_before_it_takes_effect(self) -> None:
        outcome = RecordRegistrationOutcomeInput(
            actor=steps.OFFICER,
            asset_id="ip-gm-inv-1",
            registered=True,
            registration_number="Y1",
            effective_date=TODAY,
            pledge_end_date=TODAY - timedelta(days=1),
        )
        rejected(LoanAction.RECORD_REGISTRATION_OUTCOME, filed(TODAY), outcome, "must come after it takes effect")

    def test_a_disbursement_in_2001(self) -> None:
        state = filed(TODAY)
        state.filings["ip-gm-inv-1"].outcome = "registered"
        state.filings["ip-gm-inv-1"].effective_date = TODAY
        rejected(
            LoanAction.DISBURSE,
            state,
            steps.disburse(date(2001, 1, 3)),
            "the disbursement date 2001-01-03 is before the pledge took effect on 2026-11-30",
        )

    def test_back_dating_beyond_the_setting(self) -> None:
        state = filed(TODAY - timedelta(days=60))
        state.decision = Decision(approved=True, reason="同意", by=steps.APPROVER, at=OPENED - timedelta(days=90))
        outcome = steps.registered(TODAY - timedelta(days=45))
        rejected(
            LoanAction.RECORD_REGISTRATION_OUTCOME,
            state,
            outcome,
            "is more than 30 days ago (earliest 2026-10-31): a step is recorded within 30 days",
        )

    def test_the_back_dating_bound_is_per_loan(self) -> None:
        state = filed(TODAY - timedelta(days=60))
        state.config = state.config.model_copy(update={"backdating_days": 90})
        check_dates(LoanAction.RECORD_REGISTRATION_OUTCOME, state, steps.registered(TODAY - timedelta(days=45)), TODAY)


class TestPayments:
    def test_a_repayment_before_the_disbursement(self) -> None:
        state = filed(TODAY)
        state.disbursement = Disbursement(
            contract_number="C",
            amount=Decimal("3000000.00"),
            disbursed_on=TODAY,
            voucher="V",
            maturity_date=date(2027, 11, 30),
            by=steps.OFFICER,
            at=OPENED,
        )
        payment = RecordRepaymentInput(
            actor=steps.OFFICER, amount=Decimal("1.00"), value_date=TODAY - timedelta(days=2), reference="回单"
        )
        rejected(LoanAction.RECORD_REPAYMENT, state, payment, "before the loan was disbursed on 2026-11-30")


class TestFourEyes:
    def test_an_approver_whose_name_differs_only_in_case_is_the_proposer(self) -> None:
        proposer = steps.OFFICER.model_copy(update={"sub": "officer.li@boc"})
        approver = steps.APPROVER.model_copy(update={"sub": "Officer.Li@BOC"})
        assert same_person(proposer, approver)
        state = approved_today()
        state.decision = None
        state.bank_id = "boc-shenzhen"
        state.stage = Stage.APPROVAL
        state.max_loan = Decimal("4000000.00")
        terms = steps.proposal().model_dump(exclude={"actor", "request_id"})
        state.proposal = Proposal(**terms, rate_percent=Decimal("3.50"), by=proposer, at=OPENED)
        with pytest.raises(StepRejected) as info:
            check_step(LoanAction.DECIDE_APPROVAL, approver, state, steps.decide(actor=approver), TODAY)
        assert "four eyes" in info.value.message
        assert info.value.kind != STEP_RULE_VIOLATION  # it is about who, not what: 403

    def test_full_width_letters_are_the_same_person(self) -> None:
        a = steps.OFFICER.model_copy(update={"sub": "li@boc"})
        b = steps.OFFICER.model_copy(update={"sub": "ｌｉ＠ｂｏｃ"})
        assert same_person(a, b)

    def test_different_people_are_different(self) -> None:
        assert not same_person(steps.OFFICER, steps.APPROVER)


def test_recorded_dates_use_shanghai_time() -> None:
    """A case opened at 23:30 UTC on the 29th was opened on the 30th in Shanghai: a visit on the 30th is fine."""
    state = opened_today()
    state.opened = Recorded(by=steps.SPECIALIST, at=datetime(2026, 11, 29, 23, 30, tzinfo=UTC))
    check_dates(LoanAction.LOG_VISIT, state, steps.visit(TODAY), TODAY)
