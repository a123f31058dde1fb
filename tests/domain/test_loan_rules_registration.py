"""What the registration of the pledge and the disbursement must respect (services/domain/loan_rules): for every
rule a step that breaks it and the sentence the clerk reads, written out by hand from domain.md §2.4–2.5, then the
step that keeps every rule. The application, valuation and terms: test_loan_rules_origination.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Literal

import pytest

from contracts.base import STEP_RULE_VIOLATION, Actor
from contracts.enums import LegalStatus
from contracts.loan_state import AssetSnapshot, LoanState
from contracts.loan_steps import RecordRegistrationOutcomeInput
from services.domain.loan_rules import LoanAction, StepRejected, check_step
from tests.domain import loan_states as loans
from tests.domain.loan_states import EFFECTIVE_ON, FILED_ON, PATENT, TODAY, TRADEMARK, named
from tests.workflows import loan_steps as steps

A = LoanAction
NUMBER = "202310456781.4"  # the demo patent's number, as the messages name it


def _asset(**changes: object) -> list[AssetSnapshot]:
    return [loans.patent().model_copy(update=changes)]


def _filed_as(outcome: Literal["pending", "registered", "refused"]) -> LoanState:
    state = loans.filed()
    state.filings[PATENT].outcome = outcome
    return state


def _approved_with(**changes: object) -> LoanState:
    return loans.approved(assets=_asset(**changes))


def _one_pledge_pending() -> LoanState:
    state = loans.approved(assets=[loans.patent(), loans.trademark()])
    state = loans.signed(loans.registered(state), steps.GUARANTOR, loans.INSURER)
    state.filings[TRADEMARK].outcome = "pending"
    state.filings[TRADEMARK].effective_date = None
    return state


def _ready_with(*assets: AssetSnapshot) -> LoanState:
    """Ready to disburse: `assets` pledged and registered on 2026-03-10, every sign-off in."""
    state = loans.registered(loans.approved(assets=list(assets)))
    return loans.signed(state, steps.GUARANTOR, loans.INSURER)


def _outcome(**changes: object) -> RecordRegistrationOutcomeInput:
    return steps.registered(EFFECTIVE_ON).model_copy(update=changes)


Row = tuple[str, Callable[[], LoanState], LoanAction, Actor, object, date, str]

# (case, the loan, the step, who takes it, what they enter, today, what the clerk reads)
BROKEN: list[Row] = [
    # -- registration (domain §2.4: the grounds on which a registration is refused) ----------------------------------
    (
        "an asset not pledged",
        loans.approved,
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON, asset_id="ip-other"),
        FILED_ON,
        "asset ip-other is not pledged in this loan",
    ),
    (
        "a filing already pending",
        loans.filed,
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON),
        FILED_ON,
        f"{NUMBER} is already filed (pending)",
    ),
    (
        "a pledge already registered",
        lambda: _filed_as("registered"),
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON),
        FILED_ON,
        f"{NUMBER} is already filed (registered)",
    ),
    (
        "a pledgor who is not the owner",
        lambda: _approved_with(owner_enterprise_id="ent-other"),
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON),
        FILED_ON,
        f"the pledgor is not the registered owner of {NUMBER}",
    ),
    (
        "a frozen right",
        lambda: _approved_with(legal_status=LegalStatus.FROZEN),
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON),
        FILED_ON,
        f"{NUMBER} is frozen, not valid",
    ),
    (
        "annual fees unpaid",
        lambda: _approved_with(fees_paid=False),
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON),
        FILED_ON,
        f"the annual fees of {NUMBER} are not paid",
    ),
    (
        "a co-owner who has not consented",
        lambda: _approved_with(co_owners=["深圳大学", "比亚迪股份有限公司"]),
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON, consents=["深圳大学"]),
        FILED_ON,
        f"co-owner consent missing for {NUMBER}: 比亚迪股份有限公司",
    ),
    (
        # disbursed on the filing day at the earliest, the loan would still outlive the right
        "a loan maturing after the right expires, from the filing date",
        lambda: _approved_with(expiry_date=date(2027, 3, 9)),
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON),
        FILED_ON,
        f"a 12-month loan filed for registration on 2026-03-10 would mature on 2027-03-10 at the earliest, after "
        f"{NUMBER} expires on 2027-03-09",
    ),
    (
        # the pledge must cover the loan: every pledged right, not only the one filed
        "another pledged right expiring before the loan could mature",
        lambda: loans.approved(assets=[loans.patent(), loans.trademark(date(2027, 3, 9))]),
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON),
        FILED_ON,
        "a 12-month loan filed for registration on 2026-03-10 would mature on 2027-03-10 at the earliest, after "
        "17528858 expires on 2027-03-09",
    ),
    (
        "a filing dated tomorrow",
        loans.approved,
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON + timedelta(days=1)),
        FILED_ON,
        "the filing date cannot be in the future",
    ),
    # -- the registration's outcome (domain §2.4: a notice with its number and 质权设立日, or a refusal) -------------
    (
        "an outcome for an asset not filed",
        loans.filed,
        A.RECORD_REGISTRATION_OUTCOME,
        steps.OFFICER,
        _outcome(asset_id="ip-other"),
        EFFECTIVE_ON,
        "no pending registration for asset ip-other",
    ),
    (
        "a registration without its number",
        loans.filed,
        A.RECORD_REGISTRATION_OUTCOME,
        steps.OFFICER,
        _outcome(registration_number=None),
        EFFECTIVE_ON,
        "a registration needs its number and effective date (质权设立日)",
    ),
    (
        "a pledge effective before it was filed",
        loans.filed,
        A.RECORD_REGISTRATION_OUTCOME,
        steps.OFFICER,
        _outcome(effective_date=FILED_ON - timedelta(days=1)),
        EFFECTIVE_ON,
        "the pledge cannot take effect before it was filed",
    ),
    (
        "a pledge effective tomorrow",
        loans.filed,
        A.RECORD_REGISTRATION_OUTCOME,
        steps.OFFICER,
        _outcome(effective_date=EFFECTIVE_ON + timedelta(days=1)),
        EFFECTIVE_ON,
        "the effective date cannot be in the future",
    ),
    (
        "a refusal without its reason",
        loans.filed,
        A.RECORD_REGISTRATION_OUTCOME,
        steps.OFFICER,
        steps.refused().model_copy(update={"refusal_reason": None}),
        EFFECTIVE_ON,
        "a refusal needs its reason",
    ),
    # -- disbursement (domain §2.5: after every pledge is effective; amount ≤ approved) ------------------------------
    (
        "a pledge not yet effective",
        _one_pledge_pending,
        A.DISBURSE,
        steps.OFFICER,
        steps.disburse(TODAY),
        TODAY,
        "the pledge is not yet effective for asset(s) ip-gm-tm-2",
    ),
    (
        "an amount above the approved",
        loans.ready_to_disburse,
        A.DISBURSE,
        steps.OFFICER,
        steps.disburse(TODAY, amount="3000000.01"),
        TODAY,
        "the amount ¥3,000,000.01 is above the approved ¥3,000,000.00",
    ),
    (
        "a disbursement before the pledge took effect",
        loans.ready_to_disburse,
        A.DISBURSE,
        steps.OFFICER,
        steps.disburse(EFFECTIVE_ON - timedelta(days=1)),
        TODAY,
        "disbursement cannot precede the pledge's effective date",
    ),
    (
        # issue 13: applied for on 2026-03-05 (maturity 2027-03-05 then), disbursed 2026-04-20: it matures 2027-04-20
        "a disbursement maturing after the pledged right expires",
        lambda: _ready_with(loans.patent(date(2027, 3, 10))),
        A.DISBURSE,
        steps.OFFICER,
        steps.disburse(date(2026, 4, 20)),
        date(2026, 4, 20),
        f"a 12-month loan disbursed on 2026-04-20 would mature on 2027-04-20, after {NUMBER} expires on 2027-03-10",
    ),
    (
        "a disbursement maturing after another pledged right expires",
        lambda: _ready_with(loans.patent(), loans.trademark(date(2027, 4, 19))),
        A.DISBURSE,
        steps.OFFICER,
        steps.disburse(TODAY),
        TODAY,
        "a 12-month loan disbursed on 2026-04-20 would mature on 2027-04-20, after 17528858 expires on 2027-04-19",
    ),
    (
        "a disbursement dated tomorrow",
        loans.ready_to_disburse,
        A.DISBURSE,
        steps.OFFICER,
        steps.disburse(TODAY + timedelta(days=1)),
        TODAY,
        "the disbursement date cannot be in the future",
    ),
]


@pytest.mark.parametrize(("build", "action", "actor", "data", "today", "message"), named(BROKEN))
def test_a_step_breaking_a_rule_is_refused_with_its_reason(
    build: Callable[[], LoanState], action: LoanAction, actor: Actor, data: object, today: date, message: str
) -> None:
    with pytest.raises(StepRejected) as info:
        check_step(action, actor, build(), data, today)
    assert (info.value.kind, info.value.message) == (STEP_RULE_VIOLATION, message)


# Each step as it should be, on the loan of loan_states: accepted.
KEPT: list[tuple[str, Callable[[], LoanState], LoanAction, Actor, object, date]] = [
    ("filing", loans.approved, A.FILE_REGISTRATION, steps.OFFICER, steps.filing(FILED_ON), FILED_ON),
    (
        "refiling after a refusal",
        lambda: _filed_as("refused"),
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON),
        FILED_ON,
    ),
    ("registered", loans.filed, A.RECORD_REGISTRATION_OUTCOME, steps.OFFICER, _outcome(), EFFECTIVE_ON),
    ("refused", loans.filed, A.RECORD_REGISTRATION_OUTCOME, steps.OFFICER, steps.refused(), EFFECTIVE_ON),
    ("disbursement", loans.ready_to_disburse, A.DISBURSE, steps.OFFICER, steps.disburse(TODAY), TODAY),
    (
        "a disbursement maturing the day the right expires",
        lambda: _ready_with(loans.patent(date(2027, 4, 20))),
        A.DISBURSE,
        steps.OFFICER,
        steps.disburse(TODAY),
        TODAY,
    ),
    (
        "a filing whose earliest maturity is the day a right expires",
        lambda: loans.approved(assets=[loans.patent(), loans.trademark(date(2027, 3, 10))]),
        A.FILE_REGISTRATION,
        steps.OFFICER,
        steps.filing(FILED_ON),
        FILED_ON,
    ),
]


@pytest.mark.parametrize(("build", "action", "actor", "data", "today"), named(KEPT))
def test_a_step_keeping_every_rule_is_accepted(
    build: Callable[[], LoanState], action: LoanAction, actor: Actor, data: object, today: date
) -> None:
    check_step(action, actor, build(), data, today)


@pytest.mark.parametrize(
    ("action", "build", "data", "today"),
    [
        (A.DISBURSE, lambda: _ready_with(loans.patent(date(2027, 3, 10))), steps.disburse(TODAY), TODAY),
        (
            A.FILE_REGISTRATION,
            lambda: loans.approved(assets=[loans.patent(), loans.trademark(date(2027, 3, 9))]),
            steps.filing(FILED_ON),
            FILED_ON,
        ),
    ],
    ids=["disbursement", "filing"],
)
def test_a_loan_started_before_the_term_rules_keeps_its_course(
    action: LoanAction, build: Callable[[], LoanState], data: object, today: date
) -> None:
    """The handler of a run recorded before the patch `term-rules` checks without them, so its history replays as
    it was recorded (validators and the API always check them)."""
    check_step(action, steps.OFFICER, build(), data, today, term_rules=False)
