"""Who may take each loan step and when (services/domain/loan_rules): every action × stage × role against a table
written from domain.md §1–2 and the rules' docstrings, with the sentence a refused clerk reads; then the right role
of another organisation. What each party is offered in each stage: test_loan_rules_offered.py."""

from __future__ import annotations

import pytest

from contracts.base import STEP_NOT_YOUR_STEP, STEP_WRONG_STAGE, Actor
from contracts.enums import District, Role, Stage
from contracts.loan_state import LoanState
from services.domain.loan_rules import LoanAction, StepRejected, check_allowed
from tests.domain import loan_states as loans
from tests.domain.loan_states import GUARANTOR_ORG, PARTY
from tests.workflows import loan_steps as steps

A = LoanAction
OPEN = (Stage.GUIDANCE, Stage.VALUATION, Stage.APPROVAL, Stage.REGISTRATION, Stage.DISBURSEMENT)
FOLLOWED = (*OPEN, Stage.SERVICING, Stage.RELEASE, Stage.DEFAULT)  # a specialist follows the case after disbursement
GUIDING = {Role.STATION_SPECIALIST, Role.BANK_OFFICER}
OFFICER = {Role.BANK_OFFICER}
APPROVER = {Role.BANK_APPROVER}
BANK = {Role.BANK_OFFICER, Role.BANK_APPROVER}

# Who may take each step on a loan that names every party, and how a refusal names them (domain §1–2: the station
# and the bank guide the case; the named appraisal agency values; the officer proposes and the approver decides,
# four eyes; the named guarantor and insurer sign off; the bank services the loan; the guarantor compensates).
OFFICER_OF_BANK = "a bank officer of the loan's bank"
APPROVER_OF_BANK = "a bank approver of the loan's bank"
WHO: dict[LoanAction, tuple[set[Role], str]] = {
    A.LOG_VISIT: (GUIDING, "a service-station specialist of the district or the bank's officer"),
    A.TICK_CHECKLIST: (GUIDING, "a service-station specialist of the district or the bank's officer"),
    A.REVIEW_QUALIFICATION: (GUIDING, "a service-station specialist of the district or the bank's officer"),
    A.SUBMIT_APPLICATION: (GUIDING, "a service-station specialist of the district or the bank's officer"),
    A.SUBMIT_VALUATION: ({Role.VALUER}, "the appraisal agency on the loan"),
    A.ACCEPT_VALUATION: (OFFICER, OFFICER_OF_BANK),
    A.PROPOSE_TERMS: (OFFICER, OFFICER_OF_BANK),
    A.DECIDE_APPROVAL: (APPROVER, APPROVER_OF_BANK),
    A.SIGN_OFF: ({Role.GUARANTOR, Role.INSURER}, "the guarantee company or insurer named in the approved terms"),
    A.DECLINE_SIGN_OFF: (
        {Role.GUARANTOR, Role.INSURER},
        "the guarantee company or insurer named in the approved terms",
    ),
    A.FILE_REGISTRATION: (OFFICER, OFFICER_OF_BANK),
    A.RECORD_REGISTRATION_OUTCOME: (OFFICER, OFFICER_OF_BANK),
    A.DISBURSE: (OFFICER, OFFICER_OF_BANK),
    A.WITHDRAW: (BANK | {Role.STATION_SPECIALIST, Role.ENTERPRISE}, "the bank, the station or the enterprise"),
    A.REJECT: (BANK, "the loan's bank"),
    A.RECORD_REPAYMENT: (OFFICER, OFFICER_OF_BANK),
    A.PREPAY: (OFFICER, OFFICER_OF_BANK),
    A.DOWNGRADE: (BANK, "the loan's bank"),
    A.DECLARE_DEFAULT: (APPROVER, APPROVER_OF_BANK),
    A.RECORD_COMPENSATION: ({Role.GUARANTOR}, "the guarantee company on the loan"),
    A.FILE_RELEASE: (OFFICER, OFFICER_OF_BANK),
    A.RECORD_RELEASE_OUTCOME: (OFFICER, OFFICER_OF_BANK),
    A.RECORD_EXTENSION: (OFFICER, OFFICER_OF_BANK),
    A.WRITE_OFF: (APPROVER, APPROVER_OF_BANK),
}

# In which stages each step is possible, and what a clerk is told when the loan is in another (domain §2's order).
WHILE_OPEN = "this step is only possible while the loan is open"
SIGN_OFFS_AFTER_APPROVAL = "sign-offs come after the credit approval"
WHEN: dict[LoanAction, tuple[tuple[Stage, ...], str]] = {
    A.LOG_VISIT: (FOLLOWED, "visits are logged while the case is followed, from guidance until it closes"),
    A.TICK_CHECKLIST: (OPEN, WHILE_OPEN),
    A.REVIEW_QUALIFICATION: ((Stage.GUIDANCE,), "the qualification review belongs to pre-loan guidance"),
    A.SUBMIT_APPLICATION: ((Stage.GUIDANCE,), "the application is submitted during pre-loan guidance"),
    A.SUBMIT_VALUATION: ((Stage.VALUATION,), "valuation reports are submitted once the application is in"),
    A.ACCEPT_VALUATION: ((Stage.VALUATION,), "the valuation is accepted during valuation"),
    A.PROPOSE_TERMS: ((Stage.APPROVAL,), "valuation must be accepted before approval"),
    A.DECIDE_APPROVAL: ((Stage.APPROVAL,), "terms must be proposed during approval before they are decided"),
    A.SIGN_OFF: ((Stage.REGISTRATION, Stage.DISBURSEMENT), SIGN_OFFS_AFTER_APPROVAL),
    A.DECLINE_SIGN_OFF: ((Stage.REGISTRATION, Stage.DISBURSEMENT), SIGN_OFFS_AFTER_APPROVAL),
    A.FILE_REGISTRATION: ((Stage.REGISTRATION,), "the pledge is registered after approval"),
    A.RECORD_REGISTRATION_OUTCOME: (
        (Stage.REGISTRATION,),
        "registration outcomes are recorded during registration",
    ),
    A.DISBURSE: ((Stage.DISBURSEMENT,), "every pledge must be registered and effective before disbursement"),
    A.WITHDRAW: (OPEN, WHILE_OPEN),
    A.REJECT: (OPEN, WHILE_OPEN),
    A.RECORD_REPAYMENT: (
        (Stage.SERVICING, Stage.DEFAULT),
        "repayments are recorded on a disbursed loan that is not yet closed",
    ),
    A.PREPAY: ((Stage.SERVICING,), "early repayment is possible while the loan is being repaid"),
    A.DOWNGRADE: ((Stage.SERVICING, Stage.DEFAULT), "a disbursed, open loan can be downgraded"),
    A.DECLARE_DEFAULT: ((Stage.SERVICING,), "default is declared on a loan being repaid"),
    A.RECORD_COMPENSATION: (
        (Stage.SERVICING, Stage.DEFAULT),
        "compensation is recorded on a disbursed loan that is not yet closed",
    ),
    A.FILE_RELEASE: ((Stage.RELEASE,), "the pledge is released once the loan is repaid in full"),
    A.RECORD_RELEASE_OUTCOME: ((Stage.RELEASE,), "release outcomes are recorded once the release is filed"),
    A.RECORD_EXTENSION: ((Stage.SERVICING,), "a pledge registration is extended while the loan is being repaid"),
    A.WRITE_OFF: ((Stage.DEFAULT,), "the remainder is written off after disposal of a defaulted loan"),
}

_EVERY_PARTY = loans.in_stage(Stage.GUIDANCE)


def refusal(action: LoanAction, actor: Actor, state: LoanState) -> StepRejected:
    with pytest.raises(StepRejected) as info:
        check_allowed(action, actor, state)
    return info.value


def test_the_tables_name_every_step() -> None:
    """A new step must be added to both tables above (`opened` is the case's opening, not a step one takes)."""
    steps_taken = set(LoanAction) - {LoanAction.OPENED}
    assert set(WHO) == steps_taken
    assert set(WHEN) == steps_taken


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("stage", list(Stage), ids=str)
@pytest.mark.parametrize("action", list(WHO), ids=str)
def test_who_may_take_which_step_when(action: LoanAction, stage: Stage, role: Role) -> None:
    """The wrong party hears 403 in every stage (the stage is none of its business); the right one hears 409 and
    what must happen first when the loan is in another stage."""
    actor = PARTY[role]
    state = _EVERY_PARTY.model_copy(update={"stage": stage})
    roles, who = WHO[action]
    stages, when = WHEN[action]
    if role not in roles:
        error = refusal(action, actor, state)
        assert (error.kind, error.message) == (
            STEP_NOT_YOUR_STEP,
            f"{action.value} is for {who}; you are {role.value} of {actor.org_id}",
        )
    elif stage not in stages:
        error = refusal(action, actor, state)
        assert (error.kind, error.message) == (STEP_WRONG_STAGE, f"{when}; current stage: {stage.value}")
    else:
        check_allowed(action, actor, state)


# ---- the right role of the wrong organisation ----------------------------------------------------------------------

NANSHAN_SPECIALIST = Actor(
    sub="wu@ns", role=Role.STATION_SPECIALIST, org_id="station-nanshan", district=District.NANSHAN
)
OTHER_ENTERPRISE = Actor(sub="cfo@other", role=Role.ENTERPRISE, org_id="ent-other", district=District.GUANGMING)
OTHER_VALUER = Actor(sub="x@other-appraisal", role=Role.VALUER, org_id="other-appraisal")
OTHER_APPROVER = Actor(sub="y@icbc", role=Role.BANK_APPROVER, org_id="icbc-shenzhen")
INSURER_AS_GUARANTOR = Actor(sub="he@insurer", role=Role.INSURER, org_id=GUARANTOR_ORG)


@pytest.mark.parametrize(
    ("action", "stage", "actor", "message"),
    [
        (
            A.PROPOSE_TERMS,
            Stage.APPROVAL,
            steps.OTHER_BANK_OFFICER,
            "propose_terms is for a bank officer of the loan's bank; you are bank_officer of icbc-shenzhen",
        ),
        (
            A.DECIDE_APPROVAL,
            Stage.APPROVAL,
            OTHER_APPROVER,
            "decide_approval is for a bank approver of the loan's bank; you are bank_approver of icbc-shenzhen",
        ),
        (
            A.REJECT,
            Stage.VALUATION,
            OTHER_APPROVER,
            "reject is for the loan's bank; you are bank_approver of icbc-shenzhen",
        ),
        (
            A.LOG_VISIT,
            Stage.GUIDANCE,
            NANSHAN_SPECIALIST,
            "log_visit is for a service-station specialist of the district or the bank's officer; "
            "you are station_specialist of station-nanshan",
        ),
        (
            A.WITHDRAW,
            Stage.APPROVAL,
            OTHER_ENTERPRISE,
            "withdraw is for the bank, the station or the enterprise; you are enterprise of ent-other",
        ),
        (
            A.SUBMIT_VALUATION,
            Stage.VALUATION,
            OTHER_VALUER,
            "submit_valuation is for the appraisal agency on the loan; you are valuer of other-appraisal",
        ),
        (
            A.SIGN_OFF,
            Stage.REGISTRATION,
            steps.OTHER_GUARANTOR,
            "sign_off is for the guarantee company or insurer named in the approved terms; "
            "you are guarantor of other-guarantee",
        ),
        (
            A.SIGN_OFF,
            Stage.REGISTRATION,
            INSURER_AS_GUARANTOR,
            "sign_off is for the guarantee company or insurer named in the approved terms; "
            "you are insurer of sz-guarantee",
        ),
        (
            A.RECORD_COMPENSATION,
            Stage.DEFAULT,
            steps.OTHER_GUARANTOR,
            "record_compensation is for the guarantee company on the loan; you are guarantor of other-guarantee",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and " " not in value else None,
)
def test_another_organisations_staff(action: LoanAction, stage: Stage, actor: Actor, message: str) -> None:
    error = refusal(action, actor, loans.in_stage(stage))
    assert (error.kind, error.message) == (STEP_NOT_YOUR_STEP, message)


def test_the_bank_values_in_house_when_no_agency_is_named() -> None:
    state = loans.applied(valuer=None)
    check_allowed(A.SUBMIT_VALUATION, steps.OFFICER, state)
    error = refusal(A.SUBMIT_VALUATION, steps.VALUER, state)
    assert error.message == (
        "submit_valuation is for the bank's officer (in-house valuation); you are valuer of demo-appraisal"
    )


def test_no_bank_officer_guides_a_case_before_a_bank_is_chosen() -> None:
    state = loans.opened()
    assert refusal(A.LOG_VISIT, steps.OFFICER, state).message == (
        "log_visit is for a service-station specialist of the district or the bank's officer; "
        "you are bank_officer of boc-shenzhen"
    )
    assert refusal(A.WITHDRAW, steps.OFFICER, state).message == (
        "withdraw is for the bank, the station or the enterprise; you are bank_officer of boc-shenzhen"
    )


def test_a_guarantor_signs_off_only_approved_terms() -> None:
    """Proposed terms may still change (a decline sends them back): nobody is named until they are approved."""
    error = refusal(A.SIGN_OFF, steps.GUARANTOR, loans.proposed())
    assert error.kind == STEP_NOT_YOUR_STEP
    assert error.message.startswith("sign_off is for the guarantee company or insurer named in the approved terms")


def test_no_guarantor_compensates_a_loan_without_a_guarantee_company() -> None:
    state = loans.disbursed(loans.ready_to_disburse(guarantor=None))
    assert refusal(A.RECORD_COMPENSATION, steps.GUARANTOR, state).message == (
        "record_compensation is for the guarantee company on the loan; you are guarantor of sz-guarantee"
    )
