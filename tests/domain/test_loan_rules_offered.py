"""What each party is offered on a loan as it really stands in each stage (the API's list of actions, from
services/domain/loan_rules.available_actions), and the steps the loan's state alone refuses, with the sentence the
clerk reads. Who may take a step in which stage, as a table: test_loan_rules_access.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from contracts.base import STEP_NOT_YOUR_STEP, STEP_RULE_VIOLATION, STEP_WRONG_STAGE, Actor
from contracts.enums import DisposalMethod, FilingChannel, Role, Stage
from contracts.loan_state import DisposalOutcome, LoanState, Payment
from contracts.loan_steps import (
    CloseCaseInput,
    FileReleaseInput,
    RecordCompensationInput,
    RecordExtensionInput,
    RecordReleaseOutcomeInput,
    WriteOffLoanInput,
)
from contracts.servicing import Allocation
from services.domain.loan_rules import LoanAction, StepRejected, actions_of_party, available_actions, check_step
from tests.domain import loan_states as loans
from tests.domain.loan_states import GUARANTOR_ORG, PARTY, TODAY, named
from tests.workflows import loan_steps as steps

A = LoanAction


def _bank_chose_the_case() -> LoanState:
    state = loans.qualified()
    state.bank_id = loans.BANK
    return state


def _trademark_pledge_ending_before_maturity() -> LoanState:
    state = loans.approved(assets=[loans.patent(), loans.trademark()])
    state = loans.registered(state, pledge_end=date(2027, 1, 31))
    return loans.disbursed(loans.signed(state, PARTY[Role.GUARANTOR], PARTY[Role.INSURER]))


def _compensation_requested() -> LoanState:
    state = loans.disbursed()
    assert state.servicing is not None
    state.servicing.compensation_requested_on = date(2026, 10, 18)
    return state


def _disposed_of(state: LoanState) -> LoanState:
    assert state.servicing is not None
    state.stage = Stage.DEFAULT
    state.servicing.disposal = DisposalOutcome(
        method=DisposalMethod.AUCTION,
        buyer="深圳某科技有限公司",
        proceeds=Decimal("1000000.00"),
        sold_on=date(2027, 3, 1),
        released_on=date(2027, 3, 5),
    )
    return state


def _in_default() -> LoanState:
    state = loans.disbursed()
    state.stage = Stage.DEFAULT
    return state


def _closed() -> LoanState:
    state = loans.repaid()
    state.stage = Stage.CLOSED
    return state


GUIDE = {A.LOG_VISIT, A.TICK_CHECKLIST}
CLOSE = {A.WITHDRAW, A.REJECT}
SIGN = {A.SIGN_OFF, A.DECLINE_SIGN_OFF}
# the parties by their initials: station, bank officer, bank approver, enterprise, guarantor, insurer, valuer
ST, BO, BA, EN = Role.STATION_SPECIALIST, Role.BANK_OFFICER, Role.BANK_APPROVER, Role.ENTERPRISE
GU, INS, VA = Role.GUARANTOR, Role.INSURER, Role.VALUER

# The loan in each stage as it really stands, and what each party may do with it; roles left out may do nothing.
OFFERED: list[tuple[str, Callable[[], LoanState], dict[Role, set[LoanAction]]]] = [
    (
        "opened by the station, no bank yet",
        loans.opened,
        {ST: GUIDE | {A.REVIEW_QUALIFICATION, A.WITHDRAW}, EN: {A.WITHDRAW}},
    ),
    (
        "qualification passed",
        loans.qualified,
        {ST: GUIDE | {A.REVIEW_QUALIFICATION, A.SUBMIT_APPLICATION, A.WITHDRAW}, EN: {A.WITHDRAW}},
    ),
    (
        "qualification failed",
        lambda: loans.qualified(passed=False),
        {ST: GUIDE | {A.REVIEW_QUALIFICATION, A.WITHDRAW}, EN: {A.WITHDRAW}},
    ),
    (
        "guided by the bank it chose",
        _bank_chose_the_case,
        {
            ST: GUIDE | {A.REVIEW_QUALIFICATION, A.SUBMIT_APPLICATION, A.WITHDRAW},
            BO: GUIDE | CLOSE | {A.REVIEW_QUALIFICATION, A.SUBMIT_APPLICATION},
            BA: CLOSE,
            EN: {A.WITHDRAW},
        },
    ),
    (
        "waiting for the agency's report",
        loans.applied,
        {ST: GUIDE | {A.WITHDRAW}, BO: GUIDE | CLOSE, BA: CLOSE, VA: {A.SUBMIT_VALUATION}, EN: {A.WITHDRAW}},
    ),
    (
        "valued in-house",
        lambda: loans.applied(valuer=None),
        {ST: GUIDE | {A.WITHDRAW}, BO: GUIDE | CLOSE | {A.SUBMIT_VALUATION}, BA: CLOSE, EN: {A.WITHDRAW}},
    ),
    (
        "every report in",
        loans.valued,
        {
            ST: GUIDE | {A.WITHDRAW},
            BO: GUIDE | CLOSE | {A.ACCEPT_VALUATION},
            BA: CLOSE,
            VA: {A.SUBMIT_VALUATION},
            EN: {A.WITHDRAW},
        },
    ),
    (
        "valuation accepted",
        loans.accepted,
        {ST: GUIDE | {A.WITHDRAW}, BO: GUIDE | CLOSE | {A.PROPOSE_TERMS}, BA: CLOSE, EN: {A.WITHDRAW}},
    ),
    (
        "terms proposed",
        loans.proposed,
        {
            ST: GUIDE | {A.WITHDRAW},
            BO: GUIDE | CLOSE | {A.PROPOSE_TERMS},
            BA: CLOSE | {A.DECIDE_APPROVAL},
            EN: {A.WITHDRAW},
        },
    ),
    (
        "approved",
        loans.approved,
        {
            ST: GUIDE | {A.WITHDRAW},
            BO: GUIDE | CLOSE | {A.FILE_REGISTRATION},
            BA: CLOSE,
            GU: SIGN,
            INS: SIGN,
            EN: {A.WITHDRAW},
        },
    ),
    (
        "filed, the guarantor signed",
        lambda: loans.filed(loans.signed(loans.approved(), PARTY[GU])),
        {
            ST: GUIDE | {A.WITHDRAW},
            BO: GUIDE | CLOSE | {A.FILE_REGISTRATION, A.RECORD_REGISTRATION_OUTCOME},
            BA: CLOSE,
            GU: {A.DECLINE_SIGN_OFF},
            INS: SIGN,
            EN: {A.WITHDRAW},
        },
    ),
    (
        "registered, sign-offs missing",
        lambda: loans.registered(loans.approved()),
        {ST: GUIDE | {A.WITHDRAW}, BO: GUIDE | CLOSE, BA: CLOSE, GU: SIGN, INS: SIGN, EN: {A.WITHDRAW}},
    ),
    (
        "ready to disburse",
        loans.ready_to_disburse,
        {
            ST: GUIDE | {A.WITHDRAW},
            BO: GUIDE | CLOSE | {A.DISBURSE},
            BA: CLOSE,
            GU: {A.DECLINE_SIGN_OFF},
            INS: {A.DECLINE_SIGN_OFF},
            EN: {A.WITHDRAW},
        },
    ),
    (
        "being repaid",
        loans.disbursed,
        {
            ST: {A.LOG_VISIT},
            BO: {A.LOG_VISIT, A.RECORD_REPAYMENT, A.PREPAY, A.DOWNGRADE},
            BA: {A.DOWNGRADE, A.DECLARE_DEFAULT},
        },
    ),
    (
        "a trademark pledge ends before maturity",
        _trademark_pledge_ending_before_maturity,
        {
            ST: {A.LOG_VISIT},
            BO: {A.LOG_VISIT, A.RECORD_REPAYMENT, A.PREPAY, A.DOWNGRADE, A.RECORD_EXTENSION},
            BA: {A.DOWNGRADE, A.DECLARE_DEFAULT},
        },
    ),
    (
        "the guarantor is asked to compensate",
        _compensation_requested,
        {
            ST: {A.LOG_VISIT},
            BO: {A.LOG_VISIT, A.RECORD_REPAYMENT, A.PREPAY, A.DOWNGRADE},
            BA: {A.DOWNGRADE, A.DECLARE_DEFAULT},
            GU: {A.RECORD_COMPENSATION},
        },
    ),
    (
        "in default",
        _in_default,
        {ST: {A.LOG_VISIT}, BO: {A.LOG_VISIT, A.RECORD_REPAYMENT, A.DOWNGRADE}, BA: {A.DOWNGRADE}},
    ),
    (
        "in default, disposed of",
        lambda: _disposed_of(_compensation_requested()),
        {
            ST: {A.LOG_VISIT},
            BO: {A.LOG_VISIT, A.RECORD_REPAYMENT, A.DOWNGRADE},
            BA: {A.DOWNGRADE, A.WRITE_OFF},
            GU: {A.RECORD_COMPENSATION},
        },
    ),
    ("repaid", loans.repaid, {ST: {A.LOG_VISIT}, BO: {A.LOG_VISIT, A.FILE_RELEASE}}),
    ("release filed", loans.release_pending, {ST: {A.LOG_VISIT}, BO: {A.LOG_VISIT, A.RECORD_RELEASE_OUTCOME}}),
    ("closed", _closed, {}),
]


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize(("build", "offered"), named(OFFERED))
def test_what_each_party_may_do_now(
    build: Callable[[], LoanState], offered: dict[Role, set[LoanAction]], role: Role
) -> None:
    assert set(available_actions(PARTY[role], build())) == offered.get(role, set())


# ---- steps the loan's state alone refuses ------------------------------------------------------------------------


def _compensated() -> LoanState:
    state = _compensation_requested()
    assert state.servicing is not None
    state.servicing.compensation = Payment(
        kind="compensation",
        amount=Decimal("100000.00"),
        value_date=date(2026, 10, 20),
        reference="代偿回单",
        payer=GUARANTOR_ORG,
        allocation=Allocation(),
        **loans.by(steps.GUARANTOR, date(2026, 10, 20)),
    )
    return state


def _proposed_by_the_approver() -> LoanState:
    state = loans.proposed()
    assert state.proposal is not None
    state.proposal.by = steps.APPROVER
    return state


def _released_everything() -> LoanState:
    state = loans.release_pending()
    assert state.servicing is not None
    for release in state.servicing.releases.values():
        release.outcome = "released"
    return state


COMPENSATION = RecordCompensationInput(
    actor=steps.GUARANTOR, amount=Decimal("100000.00"), value_date=TODAY, reference="代偿回单"
)
RELEASE = FileReleaseInput(actor=steps.OFFICER, asset_id=loans.PATENT, channel=FilingChannel.ONLINE, filed_on=TODAY)

NOT_NOW: list[tuple[str, Callable[[], LoanState], LoanAction, Actor, object, str, str]] = [
    (
        "an application before the qualification passes",
        lambda: loans.qualified(passed=False),
        A.SUBMIT_APPLICATION,
        steps.SPECIALIST,
        steps.application(),
        STEP_RULE_VIOLATION,
        "the qualification review must pass before the application is submitted",
    ),
    (
        "accepting with a report missing",
        lambda: loans.applied(assets=[loans.patent(), loans.trademark()]),
        A.ACCEPT_VALUATION,
        steps.OFFICER,
        steps.accept(),
        STEP_RULE_VIOLATION,
        "a valuation report is missing for asset(s) ip-gm-inv-1, ip-gm-tm-2",
    ),
    (
        "deciding before terms are proposed",
        loans.accepted,
        A.DECIDE_APPROVAL,
        steps.APPROVER,
        steps.decide(),
        STEP_WRONG_STAGE,
        "terms must be proposed before they are decided; current stage: approval",
    ),
    (
        "the approver approving their own terms",
        _proposed_by_the_approver,
        A.DECIDE_APPROVAL,
        steps.APPROVER,
        steps.decide(),
        STEP_NOT_YOUR_STEP,
        "four eyes: the approver must not be the officer who proposed the terms",
    ),
    (
        "signing off twice",
        lambda: loans.signed(loans.approved(), steps.GUARANTOR),
        A.SIGN_OFF,
        steps.GUARANTOR,
        steps.sign_off(),
        STEP_RULE_VIOLATION,
        "your organisation has already signed off this loan",
    ),
    (
        "an outcome with nothing filed",
        loans.approved,
        A.RECORD_REGISTRATION_OUTCOME,
        steps.OFFICER,
        steps.registered(loans.EFFECTIVE_ON),
        STEP_WRONG_STAGE,
        "no registration is waiting for an outcome; file the registration first",
    ),
    (
        "disbursing before the insurer signs off",
        lambda: loans.signed(loans.registered(loans.approved()), steps.GUARANTOR),
        A.DISBURSE,
        steps.OFFICER,
        steps.disburse(TODAY),
        STEP_RULE_VIOLATION,
        "sign-off still missing from demo-insurer",
    ),
    (
        "compensating before the loan is 90 days past due",
        loans.disbursed,
        A.RECORD_COMPENSATION,
        steps.GUARANTOR,
        COMPENSATION,
        STEP_RULE_VIOLATION,
        "the guarantor is asked to compensate once the loan is 90 days past due; it is 0 days past due",
    ),
    (
        "compensating twice",
        _compensated,
        A.RECORD_COMPENSATION,
        steps.GUARANTOR,
        COMPENSATION,
        STEP_RULE_VIOLATION,
        "the guarantor's compensation is already recorded",
    ),
    (
        "writing off before the disposal",
        _in_default,
        A.WRITE_OFF,
        steps.APPROVER,
        WriteOffLoanInput(actor=steps.APPROVER, reason="处置所得不足以清偿"),
        STEP_WRONG_STAGE,
        "the remainder is written off after the disposal; current stage: default",
    ),
    (
        "filing a release twice",
        loans.release_pending,
        A.FILE_RELEASE,
        steps.OFFICER,
        RELEASE,
        STEP_RULE_VIOLATION,
        "every pledge is already filed for release",
    ),
    (
        "a release outcome with nothing pending",
        _released_everything,
        A.RECORD_RELEASE_OUTCOME,
        steps.OFFICER,
        RecordReleaseOutcomeInput(
            actor=steps.OFFICER, asset_id=loans.PATENT, released=True, release_date=TODAY, notice_number="注销-1"
        ),
        STEP_WRONG_STAGE,
        "no release is waiting for an outcome; file the release first",
    ),
    (
        "an extension with no trademark pledge ending early",
        loans.disbursed,
        A.RECORD_EXTENSION,
        steps.OFFICER,
        RecordExtensionInput(actor=steps.OFFICER, asset_id=loans.PATENT, new_end_date=date(2027, 6, 30)),
        STEP_RULE_VIOLATION,
        "no trademark pledge of this loan ends before the loan matures",
    ),
]


@pytest.mark.parametrize(("build", "action", "actor", "data", "kind", "message"), named(NOT_NOW))
def test_the_loan_is_not_ready_for_the_step(
    build: Callable[[], LoanState],
    action: LoanAction,
    actor: Actor,
    data: object,
    kind: str,
    message: str,
) -> None:
    state = build()
    with pytest.raises(StepRejected) as info:
        check_step(action, actor, state, data, TODAY)
    assert (info.value.kind, info.value.message) == (kind, message)
    assert action not in available_actions(actor, state)


def test_a_withdrawal_needs_only_the_right_party_and_an_open_stage() -> None:
    check_step(
        A.WITHDRAW, steps.ENTERPRISE, loans.approved(), CloseCaseInput(actor=steps.ENTERPRISE, reason="x"), TODAY
    )


class TestWhatTheConsoleShows:
    """`actions_of_party`: a party's own steps, those possible now enabled and the others with the refusal the API
    would give; another party's steps are not shown at all."""

    def test_a_specialist_in_guidance(self) -> None:
        offered = dict(actions_of_party(PARTY[Role.STATION_SPECIALIST], loans.opened()))
        assert offered[A.LOG_VISIT] is None
        assert offered[A.REVIEW_QUALIFICATION] is None
        waiting = offered[A.SUBMIT_APPLICATION]
        assert waiting is not None
        assert waiting.message == "the qualification review must pass before the application is submitted"
        assert A.DISBURSE not in offered  # the bank's step: not the specialist's button

    def test_a_bank_officer_before_disbursement_sees_why_not_yet(self) -> None:
        offered = dict(actions_of_party(PARTY[Role.BANK_OFFICER], loans.approved()))
        refusal = offered[A.DISBURSE]
        assert refusal is not None
        assert refusal.kind == STEP_WRONG_STAGE
        assert A.RECORD_REPAYMENT in offered
        assert A.SIGN_OFF not in offered

    def test_what_is_enabled_is_what_the_api_offers(self) -> None:
        for role, actor in PARTY.items():
            for state in (loans.opened(), loans.approved(), loans.disbursed()):
                enabled = [a for a, refusal in actions_of_party(actor, state) if refusal is None]
                assert enabled == available_actions(actor, state), role
