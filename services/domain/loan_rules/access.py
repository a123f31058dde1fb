"""Who may take each loan step and in which stage, what a loan's state alone requires of a step, and the steps an
actor may take now (what the API offers): none of it looks at what the step enters."""

from __future__ import annotations

import unicodedata

from contracts.base import STEP_NOT_YOUR_STEP, STEP_RULE_VIOLATION, STEP_WRONG_STAGE, Actor
from contracts.enums import Role, Stage
from contracts.loan_state import LoanState, Servicing
from services.domain.loan_rules.base import LoanAction, StepRejected

OPEN_STAGES = (Stage.GUIDANCE, Stage.VALUATION, Stage.APPROVAL, Stage.REGISTRATION, Stage.DISBURSEMENT)

# A specialist follows the whole process (贷前指导 to 贴息申报, domain.md §1, §7): visits go on after disbursement.
FOLLOWED_STAGES = (*OPEN_STAGES, Stage.SERVICING, Stage.RELEASE, Stage.DEFAULT)

_STAGES: dict[LoanAction, tuple[Stage, ...]] = {
    LoanAction.LOG_VISIT: FOLLOWED_STAGES,
    LoanAction.TICK_CHECKLIST: OPEN_STAGES,
    LoanAction.REVIEW_QUALIFICATION: (Stage.GUIDANCE,),
    LoanAction.SUBMIT_APPLICATION: (Stage.GUIDANCE,),
    LoanAction.SUBMIT_VALUATION: (Stage.VALUATION,),
    LoanAction.ACCEPT_VALUATION: (Stage.VALUATION,),
    LoanAction.PROPOSE_TERMS: (Stage.APPROVAL,),
    LoanAction.DECIDE_APPROVAL: (Stage.APPROVAL,),
    LoanAction.SIGN_OFF: (Stage.REGISTRATION, Stage.DISBURSEMENT),
    LoanAction.DECLINE_SIGN_OFF: (Stage.REGISTRATION, Stage.DISBURSEMENT),
    LoanAction.FILE_REGISTRATION: (Stage.REGISTRATION,),
    LoanAction.RECORD_REGISTRATION_OUTCOME: (Stage.REGISTRATION,),
    LoanAction.DISBURSE: (Stage.DISBURSEMENT,),
    LoanAction.WITHDRAW: OPEN_STAGES,
    LoanAction.REJECT: OPEN_STAGES,
    LoanAction.RECORD_REPAYMENT: (Stage.SERVICING, Stage.DEFAULT),
    LoanAction.PREPAY: (Stage.SERVICING,),
    LoanAction.DOWNGRADE: (Stage.SERVICING, Stage.DEFAULT),
    LoanAction.DECLARE_DEFAULT: (Stage.SERVICING,),
    LoanAction.RECORD_COMPENSATION: (Stage.SERVICING, Stage.DEFAULT),
    LoanAction.FILE_RELEASE: (Stage.RELEASE,),
    LoanAction.RECORD_RELEASE_OUTCOME: (Stage.RELEASE,),
    LoanAction.RECORD_EXTENSION: (Stage.SERVICING,),
    LoanAction.WRITE_OFF: (Stage.DEFAULT,),
}

# What must happen first, said to a clerk when the loan is not yet (or no longer) in the step's stage.
_WHEN: dict[LoanAction, str] = {
    LoanAction.LOG_VISIT: "visits are logged while the case is followed, from guidance until it closes",
    LoanAction.REVIEW_QUALIFICATION: "the qualification review belongs to pre-loan guidance",
    LoanAction.SUBMIT_APPLICATION: "the application is submitted during pre-loan guidance",
    LoanAction.SUBMIT_VALUATION: "valuation reports are submitted once the application is in",
    LoanAction.ACCEPT_VALUATION: "the valuation is accepted during valuation",
    LoanAction.PROPOSE_TERMS: "valuation must be accepted before approval",
    LoanAction.DECIDE_APPROVAL: "terms must be proposed during approval before they are decided",
    LoanAction.SIGN_OFF: "sign-offs come after the credit approval",
    LoanAction.DECLINE_SIGN_OFF: "sign-offs come after the credit approval",
    LoanAction.FILE_REGISTRATION: "the pledge is registered after approval",
    LoanAction.RECORD_REGISTRATION_OUTCOME: "registration outcomes are recorded during registration",
    LoanAction.DISBURSE: "every pledge must be registered and effective before disbursement",
    LoanAction.RECORD_REPAYMENT: "repayments are recorded on a disbursed loan that is not yet closed",
    LoanAction.PREPAY: "early repayment is possible while the loan is being repaid",
    LoanAction.DOWNGRADE: "a disbursed, open loan can be downgraded",
    LoanAction.DECLARE_DEFAULT: "default is declared on a loan being repaid",
    LoanAction.RECORD_COMPENSATION: "compensation is recorded on a disbursed loan that is not yet closed",
    LoanAction.FILE_RELEASE: "the pledge is released once the loan is repaid in full",
    LoanAction.RECORD_RELEASE_OUTCOME: "release outcomes are recorded once the release is filed",
    LoanAction.RECORD_EXTENSION: "a pledge registration is extended while the loan is being repaid",
    LoanAction.WRITE_OFF: "the remainder is written off after disposal of a defaulted loan",
}


def _bank_staff(actor: Actor, state: LoanState, roles: tuple[Role, ...]) -> bool:
    return actor.role in roles and state.bank_id is not None and actor.org_id == state.bank_id


def _station_of_district(actor: Actor, state: LoanState) -> bool:
    return actor.role is Role.STATION_SPECIALIST and actor.district == state.district


def _may(action: LoanAction, actor: Actor, state: LoanState) -> str | None:  # noqa: C901  one independent branch per action
    """None when the actor may take the step on this loan, else the reason they may not."""
    bank_officer = _bank_staff(actor, state, (Role.BANK_OFFICER,))
    bank_any = _bank_staff(actor, state, (Role.BANK_OFFICER, Role.BANK_APPROVER))
    station = _station_of_district(actor, state)
    if action in (
        LoanAction.LOG_VISIT,
        LoanAction.TICK_CHECKLIST,
        LoanAction.REVIEW_QUALIFICATION,
        LoanAction.SUBMIT_APPLICATION,
    ):
        return None if station or bank_officer else "a service-station specialist of the district or the bank's officer"
    if action is LoanAction.SUBMIT_VALUATION:
        valuer = state.application.valuer_id if state.application else None
        if valuer is not None:
            return None if actor.role is Role.VALUER and actor.org_id == valuer else "the appraisal agency on the loan"
        return None if bank_officer else "the bank's officer (in-house valuation)"
    if action in (
        LoanAction.ACCEPT_VALUATION,
        LoanAction.PROPOSE_TERMS,
        LoanAction.FILE_REGISTRATION,
        LoanAction.RECORD_REGISTRATION_OUTCOME,
        LoanAction.DISBURSE,
    ):
        return None if bank_officer else "a bank officer of the loan's bank"
    if action is LoanAction.DECIDE_APPROVAL:
        return None if _bank_staff(actor, state, (Role.BANK_APPROVER,)) else "a bank approver of the loan's bank"
    if action in (LoanAction.SIGN_OFF, LoanAction.DECLINE_SIGN_OFF):
        party = state.required_sign_offs().get(actor.org_id)
        if party == "guarantor" and actor.role is Role.GUARANTOR:
            return None
        if party == "insurer" and actor.role is Role.INSURER:
            return None
        return "the guarantee company or insurer named in the approved terms"
    if action is LoanAction.WITHDRAW:
        enterprise = actor.role is Role.ENTERPRISE and actor.org_id == state.enterprise_id
        return None if bank_any or station or enterprise else "the bank, the station or the enterprise"
    if action is LoanAction.REJECT:
        return None if bank_any else "the loan's bank"
    if action in (
        LoanAction.RECORD_REPAYMENT,
        LoanAction.PREPAY,
        LoanAction.FILE_RELEASE,
        LoanAction.RECORD_RELEASE_OUTCOME,
        LoanAction.RECORD_EXTENSION,
    ):
        return None if bank_officer else "a bank officer of the loan's bank"
    if action is LoanAction.DOWNGRADE:
        return None if bank_any else "the loan's bank"
    if action in (LoanAction.DECLARE_DEFAULT, LoanAction.WRITE_OFF):
        return None if _bank_staff(actor, state, (Role.BANK_APPROVER,)) else "a bank approver of the loan's bank"
    if action is LoanAction.RECORD_COMPENSATION:
        guarantor = state.proposal.guarantor_id if state.proposal else None
        ok = guarantor is not None and actor.role is Role.GUARANTOR and actor.org_id == guarantor
        return None if ok else "the guarantee company on the loan"
    raise AssertionError(action)


def check_allowed(action: LoanAction, actor: Actor, state: LoanState) -> None:
    """Right party and right stage for the step (no rule on its content yet)."""
    who = _may(action, actor, state)
    if who is not None:
        raise StepRejected(
            STEP_NOT_YOUR_STEP, f"{action.value} is for {who}; you are {actor.role.value} of {actor.org_id}"
        )
    if state.stage not in _STAGES[action]:
        expected = _WHEN.get(action, "this step is only possible while the loan is open")
        raise StepRejected(STEP_WRONG_STAGE, f"{expected}; current stage: {state.stage.value}")


def available_actions(actor: Actor, state: LoanState) -> list[LoanAction]:
    """The steps this actor may take on this loan now (each may still fail on its content)."""
    actions = []
    for action in _STAGES:
        try:
            check_allowed(action, actor, state)
            state_allows(action, actor, state)
        except StepRejected:
            continue
        actions.append(action)
    return actions


def state_allows(action: LoanAction, actor: Actor, state: LoanState, strict: bool = True) -> None:  # noqa: C901  one independent check per action
    """Conditions of the loan's state alone (not of the input) that a step needs."""
    if action is LoanAction.SUBMIT_APPLICATION and (state.qualification is None or not state.qualification.passed):
        raise StepRejected(
            STEP_RULE_VIOLATION, "the qualification review must pass before the application is submitted"
        )
    if action is LoanAction.ACCEPT_VALUATION:
        missing = [a for a in state.asset_ids if a not in state.valuations]
        if missing:
            raise StepRejected(STEP_RULE_VIOLATION, f"a valuation report is missing for asset(s) {', '.join(missing)}")
    if action is LoanAction.DECIDE_APPROVAL:
        if state.proposal is None:
            raise StepRejected(
                STEP_WRONG_STAGE, "terms must be proposed before they are decided; current stage: approval"
            )
        if same_person(state.proposal.by, actor) if strict else state.proposal.by.sub == actor.sub:
            raise StepRejected(
                STEP_NOT_YOUR_STEP, "four eyes: the approver must not be the officer who proposed the terms"
            )
    if action is LoanAction.SIGN_OFF and actor.org_id in state.sign_offs:
        raise StepRejected(STEP_RULE_VIOLATION, "your organisation has already signed off this loan")
    if action is LoanAction.RECORD_REGISTRATION_OUTCOME and not any(
        f.outcome == "pending" for f in state.filings.values()
    ):
        raise StepRejected(STEP_WRONG_STAGE, "no registration is waiting for an outcome; file the registration first")
    if action is LoanAction.DISBURSE:
        missing = [org for org in state.required_sign_offs() if org not in state.sign_offs]
        if missing:
            raise StepRejected(STEP_RULE_VIOLATION, f"sign-off still missing from {', '.join(missing)}")
    servicing = state.servicing
    if servicing is None:
        return
    if action is LoanAction.RECORD_COMPENSATION:
        if servicing.compensation is not None:
            raise StepRejected(STEP_RULE_VIOLATION, "the guarantor's compensation is already recorded")
        if servicing.compensation_requested_on is None:
            raise StepRejected(
                STEP_RULE_VIOLATION,
                f"the guarantor is asked to compensate once the loan is {state.config.compensation_days} days "
                f"past due; it is {servicing.days_past_due} days past due",
            )
    if action is LoanAction.WRITE_OFF and servicing.disposal is None:
        raise StepRejected(STEP_WRONG_STAGE, "the remainder is written off after the disposal; current stage: default")
    if action is LoanAction.FILE_RELEASE and not releasable(state, servicing):
        raise StepRejected(STEP_RULE_VIOLATION, "every pledge is already filed for release")
    if action is LoanAction.RECORD_RELEASE_OUTCOME and not any(
        r.outcome == "pending" for r in servicing.releases.values()
    ):
        raise StepRejected(STEP_WRONG_STAGE, "no release is waiting for an outcome; file the release first")
    if action is LoanAction.RECORD_EXTENSION and not extendable_assets(state):
        raise StepRejected(STEP_RULE_VIOLATION, "no trademark pledge of this loan ends before the loan matures")


def releasable(state: LoanState, servicing: Servicing) -> list[str]:
    """Pledged assets whose release is not yet filed (or was refused, so it is filed again)."""
    return [a for a in state.asset_ids if (r := servicing.releases.get(a)) is None or r.outcome == "refused"]


def extendable_assets(state: LoanState) -> list[str]:
    """Trademark pledges whose registration period ends before the loan matures (they must be extended)."""
    if state.disbursement is None:
        return []
    maturity = state.disbursement.maturity_date
    return [
        f.asset_id for f in state.filings.values() if f.pledge_end_date is not None and f.pledge_end_date < maturity
    ]


def _identity(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def same_person(a: Actor, b: Actor) -> bool:
    """Whether two actors are one person, however their identity provider cases or widens the names
    (`Officer.Li@BOC` is `officer.li@boc`): four eyes must not be fooled by a capital letter."""
    return _identity(a.sub) == _identity(b.sub) and _identity(a.org_id) == _identity(b.org_id)


def actions_of_party(actor: Actor, state: LoanState) -> list[tuple[LoanAction, StepRejected | None]]:
    """Every step that is this actor's party's to take on this loan, with None if it may take it now or else why it
    may not yet (the refusal the API would answer): what the console shows as buttons, some disabled."""
    offered: list[tuple[LoanAction, StepRejected | None]] = []
    for action in _STAGES:
        if _may(action, actor, state) is not None:
            continue  # another party's step: not shown
        try:
            check_allowed(action, actor, state)
            state_allows(action, actor, state)
        except StepRejected as rejected:
            offered.append((action, rejected))
            continue
        offered.append((action, None))
    return offered
