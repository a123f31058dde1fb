"""What each servicing step must respect (services/domain/loan_rules), from the first repayment to the release of the
pledge: for every rule a step that breaks it and the sentence the clerk reads, worked out by hand from domain.md §4
on the demo loan (¥3,000,000 disbursed 2026-04-20 for 12 months at 3.50 %, interest monthly on the 20th, ACT/360),
then the step that keeps every rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from contracts.base import STEP_RULE_VIOLATION, Actor
from contracts.enums import FilingChannel, RiskTier, Role, Stage
from contracts.loan_state import LoanState
from contracts.loan_steps import (
    DeclareDefaultInput,
    DowngradeLoanInput,
    FileReleaseInput,
    PrepayLoanInput,
    RecordCompensationInput,
    RecordExtensionInput,
    RecordReleaseOutcomeInput,
    RecordRepaymentInput,
)
from services.domain.loan_rules import LoanAction, StepRejected, check_step
from tests.domain import loan_states as loans
from tests.domain.loan_states import DISBURSED_ON, PARTY, PATENT, TRADEMARK, named
from tests.workflows import loan_steps as steps

A = LoanAction
FIRST_DUE = date(2026, 5, 20)  # the first interest date: 3,000,000 × 3.50 % / 360 × 30 days = ¥8,750.00
MID_MAY = date(2026, 5, 10)  # 20 days of interest: ¥5,833.33
RELEASED_ON = date(2026, 4, 25)
TRADEMARK_PLEDGE_END = date(2027, 1, 31)


def repayment(amount: str, on: date = FIRST_DUE) -> RecordRepaymentInput:
    return RecordRepaymentInput(actor=steps.OFFICER, amount=Decimal(amount), value_date=on, reference="还款回单")


def prepayment(total: str, principal: str | None = None, on: date = MID_MAY) -> PrepayLoanInput:
    return PrepayLoanInput(
        actor=steps.OFFICER,
        value_date=on,
        principal=Decimal(principal) if principal else None,
        expected_total=Decimal(total),
        reference="提前还款回单",
    )


def default(on: date) -> DeclareDefaultInput:
    return DeclareDefaultInput(actor=steps.APPROVER, declared_on=on, reason="逾期且经营恶化")


def compensation(amount: str, on: date = MID_MAY) -> RecordCompensationInput:
    return RecordCompensationInput(actor=steps.GUARANTOR, amount=Decimal(amount), value_date=on, reference="代偿回单")


def release(asset_id: str = PATENT, on: date = RELEASED_ON) -> FileReleaseInput:
    return FileReleaseInput(actor=steps.OFFICER, asset_id=asset_id, channel=FilingChannel.ONLINE, filed_on=on)


def released(asset_id: str = PATENT, **changes: object) -> RecordReleaseOutcomeInput:
    data = RecordReleaseOutcomeInput(
        actor=steps.OFFICER, asset_id=asset_id, released=True, release_date=RELEASED_ON, notice_number="注销通知 0001"
    )
    return data.model_copy(update=changes)


def extension(asset_id: str = TRADEMARK, end: date = date(2027, 6, 30)) -> RecordExtensionInput:
    return RecordExtensionInput(actor=steps.OFFICER, asset_id=asset_id, new_end_date=end)


def _compensation_requested() -> LoanState:
    state = loans.disbursed()
    assert state.servicing is not None
    state.servicing.compensation_requested_on = MID_MAY
    return state


def _two_pledges() -> LoanState:
    """A patent and a trademark whose pledge registration ends 2027-01-31, before the loan matures on 2027-04-20."""
    state = loans.registered(
        loans.approved(assets=[loans.patent(), loans.trademark()]), pledge_end=TRADEMARK_PLEDGE_END
    )
    return loans.disbursed(loans.signed(state, PARTY[Role.GUARANTOR], PARTY[Role.INSURER]))


def _two_pledges_repaid_one_release_filed() -> LoanState:
    state = _two_pledges()
    state.stage = Stage.RELEASE
    loans.release_pending(state, RELEASED_ON)
    assert state.servicing is not None
    del state.servicing.releases[TRADEMARK]
    return state


def _release_filed() -> LoanState:
    return loans.release_pending(on=RELEASED_ON)


Row = tuple[str, Callable[[], LoanState], LoanAction, Actor, object, date, str]

# (case, the loan, the step, who takes it, what they enter, today, what the clerk reads)
BROKEN: list[Row] = [
    # -- repayments (domain §4: interest on the 20th; principal ahead of schedule is an early repayment) ------------
    (
        "a repayment dated tomorrow",
        loans.disbursed,
        A.RECORD_REPAYMENT,
        steps.OFFICER,
        repayment("8750.00", date(2026, 5, 21)),
        FIRST_DUE,
        "the value date 2026-05-21 is in the future (today is 2026-05-20)",
    ),
    (
        "a repayment before the disbursement",
        loans.disbursed,
        A.RECORD_REPAYMENT,
        steps.OFFICER,
        repayment("8750.00", date(2026, 4, 19)),
        FIRST_DUE,
        "The value date 2026-04-19 is before the disbursement on 2026-04-20.",
    ),
    (
        # due now ¥8,750.00 + the June instalment's 31 days ¥9,041.67
        "more than is due with the next instalment",
        loans.disbursed,
        A.RECORD_REPAYMENT,
        steps.OFFICER,
        repayment("100000.00"),
        FIRST_DUE,
        "¥100,000.00 is more than is due on 2026-05-20 with the next instalment (¥17,791.67); "
        "to repay principal ahead of schedule, use an early repayment.",
    ),
    # -- early repayment: the bank accepts a quote; the loan refuses it if the quote has changed -------------------
    (
        "a quote that has changed",
        loans.disbursed,
        A.PREPAY,
        steps.OFFICER,
        prepayment("3000000.00"),
        MID_MAY,
        "the early repayment on 2026-05-10 now costs ¥3,005,833.33, not ¥3,000,000.00; ask for a new quote",
    ),
    (
        "more principal than is outstanding",
        loans.disbursed,
        A.PREPAY,
        steps.OFFICER,
        prepayment("3005833.34", principal="3000000.01"),
        MID_MAY,
        "¥3,000,000.01 is more than the outstanding principal not yet due (¥3,000,000.00).",
    ),
    # -- classification (domain §4: days past due set the minimum tier; a manual change only downgrades) ------------
    (
        "a manual change to the same tier",
        loans.disbursed,
        A.DOWNGRADE,
        steps.OFFICER,
        DowngradeLoanInput(actor=steps.OFFICER, tier=RiskTier.NORMAL, reason="复核"),
        MID_MAY,
        "a manual change can only downgrade: the loan is 正常 (normal); choose a tier below it, not 正常",
    ),
    # -- default and the guarantor's compensation (代偿) ----------------------------------------------------------
    (
        "a default declared tomorrow",
        loans.disbursed,
        A.DECLARE_DEFAULT,
        steps.APPROVER,
        default(date(2026, 5, 11)),
        MID_MAY,
        "the default date 2026-05-11 is in the future (today is 2026-05-10)",
    ),
    (
        "a default before the disbursement",
        loans.disbursed,
        A.DECLARE_DEFAULT,
        steps.APPROVER,
        default(date(2026, 4, 19)),
        MID_MAY,
        "The value date 2026-04-19 is before the disbursement on 2026-04-20.",
    ),
    (
        # everything falls due on the day: principal ¥3,000,000.00 + 20 days of interest ¥5,833.33
        "a compensation above what the bank is owed",
        _compensation_requested,
        A.RECORD_COMPENSATION,
        steps.GUARANTOR,
        compensation("3005833.34"),
        MID_MAY,
        "the compensation ¥3,005,833.34 is more than the bank is owed (¥3,005,833.33)",
    ),
    (
        "a compensation dated tomorrow",
        _compensation_requested,
        A.RECORD_COMPENSATION,
        steps.GUARANTOR,
        compensation("1000.00", date(2026, 5, 11)),
        MID_MAY,
        "the value date 2026-05-11 is in the future (today is 2026-05-10)",
    ),
    # -- the release of the pledge (注销, domain §2.6) and the extension of a trademark pledge ------------------------
    (
        "releasing an asset not pledged",
        loans.repaid,
        A.FILE_RELEASE,
        steps.OFFICER,
        release("ip-other"),
        RELEASED_ON,
        "asset ip-other is not pledged in this loan",
    ),
    (
        "releasing an asset twice",
        _two_pledges_repaid_one_release_filed,
        A.FILE_RELEASE,
        steps.OFFICER,
        release(PATENT),
        RELEASED_ON,
        "the release of asset ip-gm-inv-1 is already filed",
    ),
    (
        "a release filed tomorrow",
        loans.repaid,
        A.FILE_RELEASE,
        steps.OFFICER,
        release(on=date(2026, 4, 26)),
        RELEASED_ON,
        "the filing date 2026-04-26 is in the future (today is 2026-04-25)",
    ),
    (
        "an outcome for a release not filed",
        _release_filed,
        A.RECORD_RELEASE_OUTCOME,
        steps.OFFICER,
        released("ip-other"),
        RELEASED_ON,
        "no pending release for asset ip-other",
    ),
    (
        "a release without its notice",
        _release_filed,
        A.RECORD_RELEASE_OUTCOME,
        steps.OFFICER,
        released(notice_number=None),
        RELEASED_ON,
        "a release needs its date and notice number",
    ),
    (
        "a release before it was filed",
        _release_filed,
        A.RECORD_RELEASE_OUTCOME,
        steps.OFFICER,
        released(release_date=date(2026, 4, 24)),
        RELEASED_ON,
        "the release cannot take effect before it was filed",
    ),
    (
        "a release dated tomorrow",
        _release_filed,
        A.RECORD_RELEASE_OUTCOME,
        steps.OFFICER,
        released(release_date=date(2026, 4, 26)),
        RELEASED_ON,
        "the release date 2026-04-26 is in the future (today is 2026-04-25)",
    ),
    (
        "a refused release without its reason",
        _release_filed,
        A.RECORD_RELEASE_OUTCOME,
        steps.OFFICER,
        released(released=False, release_date=None, notice_number=None),
        RELEASED_ON,
        "a refusal needs its reason",
    ),
    (
        "extending a pledge that does not end early",
        _two_pledges,
        A.RECORD_EXTENSION,
        steps.OFFICER,
        extension(PATENT),
        MID_MAY,
        "asset ip-gm-inv-1 has no trademark pledge ending before the loan matures",
    ),
    (
        "an extension that does not extend",
        _two_pledges,
        A.RECORD_EXTENSION,
        steps.OFFICER,
        extension(end=TRADEMARK_PLEDGE_END),
        MID_MAY,
        "the new end date must be after the current one (2027-01-31)",
    ),
]


@pytest.mark.parametrize(("build", "action", "actor", "data", "today", "message"), named(BROKEN))
def test_a_step_breaking_a_rule_is_refused_with_its_reason(
    build: Callable[[], LoanState], action: LoanAction, actor: Actor, data: object, today: date, message: str
) -> None:
    with pytest.raises(StepRejected) as info:
        check_step(action, actor, build(), data, today)
    assert (info.value.kind, info.value.message) == (STEP_RULE_VIOLATION, message)


KEPT: list[tuple[str, Callable[[], LoanState], LoanAction, Actor, object, date]] = [
    ("the interest due", loans.disbursed, A.RECORD_REPAYMENT, steps.OFFICER, repayment("8750.00"), FIRST_DUE),
    (
        "due now with the next instalment",
        loans.disbursed,
        A.RECORD_REPAYMENT,
        steps.OFFICER,
        repayment("17791.67"),
        FIRST_DUE,
    ),
    ("the quote as it stands", loans.disbursed, A.PREPAY, steps.OFFICER, prepayment("3005833.33"), MID_MAY),
    (
        "a downgrade",
        loans.disbursed,
        A.DOWNGRADE,
        steps.APPROVER,
        DowngradeLoanInput(actor=steps.APPROVER, tier=RiskTier.SUBSTANDARD, reason="经营恶化"),
        MID_MAY,
    ),
    ("a default", loans.disbursed, A.DECLARE_DEFAULT, steps.APPROVER, default(MID_MAY), MID_MAY),
    (
        "everything owed",
        _compensation_requested,
        A.RECORD_COMPENSATION,
        steps.GUARANTOR,
        compensation("3005833.33"),
        MID_MAY,
    ),
    ("a release", loans.repaid, A.FILE_RELEASE, steps.OFFICER, release(), RELEASED_ON),
    ("released", _release_filed, A.RECORD_RELEASE_OUTCOME, steps.OFFICER, released(), RELEASED_ON),
    ("an extension", _two_pledges, A.RECORD_EXTENSION, steps.OFFICER, extension(), MID_MAY),
]


@pytest.mark.parametrize(("build", "action", "actor", "data", "today"), named(KEPT))
def test_a_step_keeping_every_rule_is_accepted(
    build: Callable[[], LoanState], action: LoanAction, actor: Actor, data: object, today: date
) -> None:
    check_step(action, actor, build(), data, today)


def test_the_loan_under_test_is_the_one_described() -> None:
    state = loans.disbursed()
    assert state.disbursement is not None
    assert state.disbursement.disbursed_on == DISBURSED_ON
    assert state.disbursement.maturity_date == date(2027, 4, 20)
