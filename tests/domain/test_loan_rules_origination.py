"""What the application, the valuation and the terms must respect (services/domain/loan_rules): for every rule a
step that breaks it and the sentence the clerk reads, written out by hand from domain.md §2.1–2.3, then the step that
keeps every rule; and the loan's figures (maximum loan, rate, registration days). The registration and the
disbursement: test_loan_rules_registration.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from contracts.base import STEP_RULE_VIOLATION, Actor
from contracts.enums import CreditSupport, FilingChannel, IPKind, RepaymentMode
from contracts.loan_state import AssetSnapshot, LoanConfig, LoanState
from services.domain.loan_rules import (
    LoanAction,
    StepRejected,
    check_step,
    maximum_loan,
    rate_percent,
    registration_working_days,
)
from tests.domain import loan_states as loans
from tests.domain.loan_states import APPLIED_ON, PROPOSED_ON, TRADEMARK, VALUED_ON, named
from tests.workflows import loan_steps as steps

A = LoanAction
NUMBER = "202310456781.4"  # the demo patent's number, as the messages name it


def _asset(**changes: object) -> list[AssetSnapshot]:
    return [loans.patent().model_copy(update=changes)]


def _with_product(state: LoanState, **changes: object) -> LoanState:
    assert state.application is not None
    state.application.product = state.application.product.model_copy(update=changes)
    return state


def _case_of_another_bank() -> LoanState:
    state = loans.qualified()
    state.bank_id = "icbc-shenzhen"
    return state


Row = tuple[str, Callable[[], LoanState], LoanAction, Actor, object, date, str]

# (case, the loan, the step, who takes it, what they enter, today, what the clerk reads)
BROKEN: list[Row] = [
    # -- the application (domain §2.1, §2.4: the pledgor owns the rights, the product takes their kind) ----------------
    (
        "a product of another bank",
        loans.qualified,
        A.SUBMIT_APPLICATION,
        steps.SPECIALIST,
        steps.application(product=steps.PRODUCT.model_copy(update={"bank_id": "icbc-shenzhen"})),
        APPLIED_ON,
        "the product does not belong to the chosen bank",
    ),
    (
        "a case opened with another bank",
        _case_of_another_bank,
        A.SUBMIT_APPLICATION,
        steps.SPECIALIST,
        steps.application(),
        APPLIED_ON,
        "the case was opened with another bank",
    ),
    (
        "a term the product does not lend for",
        loans.qualified,
        A.SUBMIT_APPLICATION,
        steps.SPECIALIST,
        steps.application(term=48),
        APPLIED_ON,
        "the product lends for 3–36 months",
    ),
    (
        "an asset listed twice",
        loans.qualified,
        A.SUBMIT_APPLICATION,
        steps.SPECIALIST,
        steps.application(assets=[loans.patent(), loans.patent()]),
        APPLIED_ON,
        "asset ip-gm-inv-1 is listed more than once",
    ),
    (
        "a kind of right the product does not take",
        loans.qualified,
        A.SUBMIT_APPLICATION,
        steps.SPECIALIST,
        steps.application(assets=_asset(kind=IPKind.COPYRIGHT)),
        APPLIED_ON,
        f"the product does not accept 著作权 ({NUMBER})",
    ),
    (
        "a right the enterprise does not own",
        loans.qualified,
        A.SUBMIT_APPLICATION,
        steps.SPECIALIST,
        steps.application(assets=_asset(owner_enterprise_id="ent-other")),
        APPLIED_ON,
        f"{NUMBER} is not owned by 深圳光明演示科技有限公司（演示）: the pledgor must be the owner",
    ),
    (
        "a term that outlives the right, said at once",
        loans.qualified,
        A.SUBMIT_APPLICATION,
        steps.SPECIALIST,
        steps.application(assets=_asset(expiry_date=date(2027, 3, 1))),
        APPLIED_ON,
        f"a 12-month loan from today would mature on 2027-03-05, after {NUMBER} expires on 2027-03-01",
    ),
    # -- valuation (domain §2.2) ---------------------------------------------------------------------------------------
    (
        "a report on an asset not pledged",
        loans.applied,
        A.SUBMIT_VALUATION,
        steps.VALUER,
        steps.valuation(VALUED_ON, asset_id="ip-other", actor=steps.VALUER),
        VALUED_ON,
        "asset ip-other is not pledged in this loan",
    ),
    (
        "a report valid before its base date",
        loans.applied,
        A.SUBMIT_VALUATION,
        steps.VALUER,
        steps.valuation(VALUED_ON, valid_days=-1, actor=steps.VALUER),
        VALUED_ON,
        "a report's validity must end after its base date",
    ),
    (
        "a report dated tomorrow",
        loans.applied,
        A.SUBMIT_VALUATION,
        steps.VALUER,
        steps.valuation(VALUED_ON + timedelta(days=1), actor=steps.VALUER),
        VALUED_ON,
        "a report's base date cannot be in the future",
    ),
    (
        "accepting an expired report",
        loans.valued,
        A.ACCEPT_VALUATION,
        steps.OFFICER,
        steps.accept(),
        date(2027, 3, 7),
        "valuation report 深评报字[2026]第ip-gm-inv-1号 expired on 2027-03-06; a new report is needed",
    ),
    # -- the terms (domain §2.3, §4) -------------------------------------------------------------------------------
    (
        "an amount above the maximum loan",
        loans.accepted,
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(amount="4000000.01"),
        PROPOSED_ON,
        "the amount ¥4,000,000.01 is above the maximum loan ¥4,000,000.00",
    ),
    (
        "a spread the product does not allow",
        loans.accepted,
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(spread=151),
        PROPOSED_ON,
        "the spread must be 0–150 bp over LPR; got 151 bp",
    ),
    (
        "a term the product does not lend for",
        loans.accepted,
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(term=2),
        PROPOSED_ON,
        "the product lends for 3–36 months",
    ),
    (
        "a repayment mode the product does not offer",
        lambda: _with_product(loans.accepted(), repayment_modes=[RepaymentMode.MONTHLY_INTEREST]),
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(mode=RepaymentMode.EQUAL_PRINCIPAL),
        PROPOSED_ON,
        "the product does not offer 等额本金",
    ),
    (
        # domain §4: 一次性还本付息 (bullet, ≤ 1 year); issue 13 found a 36-month bullet loan accepted
        "a bullet loan for more than a year",
        loans.accepted,
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(term=13, mode=RepaymentMode.BULLET),
        PROPOSED_ON,
        "一次性还本付息 (bullet repayment) is for loans of at most 12 months, not 13: shorten the term or choose "
        "another mode the product offers (按月付息、到期还本 / 按季付息、到期还本 / 等额本息 / 等额本金)",
    ),
    (
        "a 36-month bullet loan",
        lambda: _with_product(loans.accepted(), repayment_modes=[RepaymentMode.BULLET, RepaymentMode.EQUAL_PRINCIPAL]),
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(term=36, mode=RepaymentMode.BULLET),
        PROPOSED_ON,
        "一次性还本付息 (bullet repayment) is for loans of at most 12 months, not 36: shorten the term or choose "
        "another mode the product offers (等额本金)",
    ),
    (
        "a long bullet loan on a product offering nothing else",
        lambda: _with_product(loans.accepted(), repayment_modes=[RepaymentMode.BULLET]),
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(term=24, mode=RepaymentMode.BULLET),
        PROPOSED_ON,
        "一次性还本付息 (bullet repayment) is for loans of at most 12 months, not 24: shorten the term",
    ),
    (
        "a guarantee company named without that support",
        loans.accepted,
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(guarantor=loans.GUARANTOR_ORG).model_copy(update={"credit_support": []}),
        PROPOSED_ON,
        "name the guarantee company exactly when the credit support includes one",
    ),
    (
        "insurance without an insurer",
        loans.accepted,
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal().model_copy(update={"credit_support": [CreditSupport.INSURANCE]}),
        PROPOSED_ON,
        "name the insurer exactly when the credit support includes insurance",
    ),
    (
        "no guarantee company where the product requires one",
        lambda: _with_product(loans.accepted(), requires_guarantor=True),
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(),
        PROPOSED_ON,
        "the product requires a guarantee company",
    ),
    (
        "no insurer where the product requires one",
        lambda: _with_product(loans.accepted(), requires_insurer=True),
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(),
        PROPOSED_ON,
        "the product requires insurance",
    ),
    (
        "terms that outlive the right, said at once",
        lambda: loans.accepted(assets=_asset(expiry_date=date(2027, 3, 1))),
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(),
        PROPOSED_ON,
        f"a 12-month loan from today would mature on 2027-03-09, after {NUMBER} expires on 2027-03-01",
    ),
]


@pytest.mark.parametrize(("build", "action", "actor", "data", "today", "message"), named(BROKEN))
def test_a_step_breaking_a_rule_is_refused_with_its_reason(
    build: Callable[[], LoanState], action: LoanAction, actor: Actor, data: object, today: date, message: str
) -> None:
    with pytest.raises(StepRejected) as info:
        check_step(action, actor, build(), data, today)
    assert (info.value.kind, info.value.message) == (STEP_RULE_VIOLATION, message)


# Each origination step as it should be, on the loan above: accepted.
KEPT: list[tuple[str, Callable[[], LoanState], LoanAction, Actor, object, date]] = [
    ("application", loans.qualified, A.SUBMIT_APPLICATION, steps.SPECIALIST, steps.application(), APPLIED_ON),
    (
        "valuation report",
        loans.applied,
        A.SUBMIT_VALUATION,
        steps.VALUER,
        steps.valuation(VALUED_ON, actor=steps.VALUER),
        VALUED_ON,
    ),
    ("valuation accepted", loans.valued, A.ACCEPT_VALUATION, steps.OFFICER, steps.accept(), VALUED_ON),
    ("terms", loans.accepted, A.PROPOSE_TERMS, steps.OFFICER, steps.proposal(amount="4000000.00"), PROPOSED_ON),
    (
        "a bullet loan for a year",
        loans.accepted,
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(term=12, mode=RepaymentMode.BULLET),
        PROPOSED_ON,
    ),
    (
        "36 months, interest monthly",
        loans.accepted,
        A.PROPOSE_TERMS,
        steps.OFFICER,
        steps.proposal(term=36, mode=RepaymentMode.MONTHLY_INTEREST),
        PROPOSED_ON,
    ),
]


@pytest.mark.parametrize(("build", "action", "actor", "data", "today"), named(KEPT))
def test_a_step_keeping_every_rule_is_accepted(
    build: Callable[[], LoanState], action: LoanAction, actor: Actor, data: object, today: date
) -> None:
    check_step(action, actor, build(), data, today)


def test_a_bullet_loan_proposed_before_the_term_rules_keeps_its_course() -> None:
    """The handler of a run recorded before the patch `term-rules` checks without them, so its history replays as
    it was recorded (tests/workflows/histories/bullet_for_36_months_before_patch.json)."""
    terms = steps.proposal(term=36, mode=RepaymentMode.BULLET)
    check_step(A.PROPOSE_TERMS, steps.OFFICER, loans.accepted(), terms, PROPOSED_ON, term_rules=False)


# ---- the loan's figures ------------------------------------------------------------------------------------------


def test_the_maximum_loan_is_each_value_times_its_kinds_pledge_rate() -> None:
    """Σ value × rate (domain §2.2), to the fen half up: ¥10,000,000 × 40 % + ¥2,345,678.91 × 50 % (a trademark)."""
    state = loans.valued(assets=[loans.patent(), loans.trademark()])
    state.valuations[TRADEMARK] = loans.report(TRADEMARK, "2345678.91")
    assert maximum_loan(state) == Decimal("5172839.46")


@pytest.mark.parametrize(
    ("lpr", "spread", "rate"), [("3.00", 50, "3.50"), ("3.10", -20, "2.90"), ("3.45", 0, "3.45"), ("3.00", 125, "4.25")]
)
def test_the_rate_is_lpr_plus_the_spread(lpr: str, spread: int, rate: str) -> None:
    assert rate_percent(Decimal(lpr), spread) == Decimal(rate)


@pytest.mark.parametrize(
    ("kind", "channel", "days"),
    [
        (IPKind.INVENTION_PATENT, FilingChannel.ONLINE, 2),
        (IPKind.INVENTION_PATENT, FilingChannel.PAPER, 5),
        (IPKind.UTILITY_MODEL, FilingChannel.PAPER, 5),
        (IPKind.DESIGN_PATENT, FilingChannel.ONLINE, 2),
        (IPKind.TRADEMARK, FilingChannel.ONLINE, 2),
        (IPKind.TRADEMARK, FilingChannel.PAPER, 2),
        (IPKind.COPYRIGHT, FilingChannel.ONLINE, 10),
        (IPKind.SOFTWARE_COPYRIGHT, FilingChannel.PAPER, 10),
    ],
)
def test_registration_takes_the_authoritys_working_days(kind: IPKind, channel: FilingChannel, days: int) -> None:
    """Patents 5 working days on paper, 2 online; trademarks 2; copyrights 10 (domain §2.4)."""
    assert registration_working_days(LoanConfig(), kind, channel) == days
