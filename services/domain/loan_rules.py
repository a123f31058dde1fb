"""The rules of each loan step: who may take it, in which stage, and what it must respect.

Pure functions over `LoanState`, used twice: by the workflow's update validators (so a wrong step never
reaches history) and by the API to list the actions a caller may take now. A failed check raises
`StepRejected` with a kind the API maps to 403 (not your step) or 409 (wrong stage, rule violation).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from contracts.base import STEP_NOT_YOUR_STEP, STEP_RULE_VIOLATION, STEP_WRONG_STAGE, Actor
from contracts.enums import CreditSupport, FilingChannel, IPKind, LegalStatus, Role, Stage
from contracts.loan_state import AssetSnapshot, LoanConfig, LoanState, Servicing
from contracts.loan_steps import (
    AcceptValuationInput,
    DeclareDefaultInput,
    DisburseLoanInput,
    DowngradeLoanInput,
    FileRegistrationInput,
    FileReleaseInput,
    PrepayLoanInput,
    ProposeTermsInput,
    RecordCompensationInput,
    RecordExtensionInput,
    RecordRegistrationOutcomeInput,
    RecordReleaseOutcomeInput,
    RecordRepaymentInput,
    SubmitApplicationInput,
    SubmitValuationInput,
)
from contracts.loans import LoanUpdate
from services.domain import servicing as ledger_rules
from services.domain.money import format_yuan, to_fen
from services.domain.schedule import maturity_date
from services.domain.step_dates import DateRejected, check_dates

# A step is named like the workflow update that takes it.
LoanAction = LoanUpdate


class StepRejected(Exception):
    """A step that may not happen; `kind` is one of contracts.loans.STEP_*."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


OPEN_STAGES = (Stage.GUIDANCE, Stage.VALUATION, Stage.APPROVAL, Stage.REGISTRATION, Stage.DISBURSEMENT)

_STAGES: dict[LoanAction, tuple[Stage, ...]] = {
    LoanAction.LOG_VISIT: OPEN_STAGES,
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
            _state_allows(action, actor, state)
        except StepRejected:
            continue
        actions.append(action)
    return actions


def _state_allows(action: LoanAction, actor: Actor, state: LoanState, strict: bool = True) -> None:  # noqa: C901  one independent check per action
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
    if action is LoanAction.FILE_RELEASE and not _releasable(state, servicing):
        raise StepRejected(STEP_RULE_VIOLATION, "every pledge is already filed for release")
    if action is LoanAction.RECORD_RELEASE_OUTCOME and not any(
        r.outcome == "pending" for r in servicing.releases.values()
    ):
        raise StepRejected(STEP_WRONG_STAGE, "no release is waiting for an outcome; file the release first")
    if action is LoanAction.RECORD_EXTENSION and not extendable_assets(state):
        raise StepRejected(STEP_RULE_VIOLATION, "no trademark pledge of this loan ends before the loan matures")


def _releasable(state: LoanState, servicing: Servicing) -> list[str]:
    return [a for a in state.asset_ids if (r := servicing.releases.get(a)) is None or r.outcome == "refused"]


def extendable_assets(state: LoanState) -> list[str]:
    """Trademark pledges whose registration period ends before the loan matures (they must be extended)."""
    if state.disbursement is None:
        return []
    maturity = state.disbursement.maturity_date
    return [
        f.asset_id for f in state.filings.values() if f.pledge_end_date is not None and f.pledge_end_date < maturity
    ]


def _rule(condition: bool, message: str) -> None:
    if not condition:
        raise StepRejected(STEP_RULE_VIOLATION, message)


def _identity(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def same_person(a: Actor, b: Actor) -> bool:
    """Whether two actors are one person, however their identity provider cases or widens the names
    (`Officer.Li@BOC` is `officer.li@boc`): four eyes must not be fooled by a capital letter."""
    return _identity(a.sub) == _identity(b.sub) and _identity(a.org_id) == _identity(b.org_id)


def _within_asset_life(assets: Sequence[AssetSnapshot], start: date, term_months: int, when: str) -> None:
    """A loan may not outlive a pledged right (registration refuses it, domain §2.4): said at once, not first at
    registration."""
    maturity = maturity_date(start, term_months)
    for asset in assets:
        _rule(
            maturity <= asset.expiry_date,
            f"a {term_months}-month loan {when} would mature on {maturity}, after {asset.number} expires on "
            f"{asset.expiry_date}",
        )


def check_application(state: LoanState, data: SubmitApplicationInput, today: date) -> None:  # noqa: ARG001  every entry of CHECKS takes (state, data, today)
    _rule(data.product.bank_id == data.bank_id, "the product does not belong to the chosen bank")
    _rule(state.bank_id is None or state.bank_id == data.bank_id, "the case was opened with another bank")
    _rule(
        data.product.min_term_months <= data.requested_term_months <= data.product.max_term_months,
        f"the product lends for {data.product.min_term_months}–{data.product.max_term_months} months",
    )
    ids = [a.id for a in data.assets]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    _rule(not twice, f"asset {', '.join(twice)} is listed more than once")
    for asset in data.assets:
        _rule(
            asset.kind in data.product.pledge_rates, f"the product does not accept {asset.kind.label} ({asset.number})"
        )
        _rule(
            asset.owner_enterprise_id == state.enterprise_id,
            f"{asset.number} is not owned by {state.enterprise_name}: the pledgor must be the owner",
        )


def check_valuation_report(state: LoanState, data: SubmitValuationInput, today: date) -> None:
    _rule(data.asset_id in state.asset_ids, f"asset {data.asset_id} is not pledged in this loan")
    _rule(data.valid_until > data.base_date, "a report's validity must end after its base date")
    _rule(data.base_date <= today, "a report's base date cannot be in the future")


def check_accept_valuation(state: LoanState, data: AcceptValuationInput, today: date) -> None:  # noqa: ARG001  every entry of CHECKS takes (state, data, today)
    for report in state.valuations.values():
        _rule(
            report.valid_until >= today,
            f"valuation report {report.report_number} expired on {report.valid_until}; a new report is needed",
        )


def maximum_loan(state: LoanState) -> Decimal:
    """Σ appraised value × the product's pledge rate for the asset's kind, to the fen."""
    assert state.application is not None
    rates = state.application.product.pledge_rates
    total = sum(
        (state.valuations[a.id].value * rates[a.kind] for a in state.application.assets),
        start=Decimal(0),
    )
    return to_fen(total)


def check_proposal(state: LoanState, data: ProposeTermsInput, today: date) -> None:  # noqa: ARG001  every entry of CHECKS takes (state, data, today)
    assert state.application is not None
    assert state.max_loan is not None
    product = state.application.product
    _rule(
        data.amount <= state.max_loan,
        f"the amount {format_yuan(data.amount)} is above the maximum loan {format_yuan(state.max_loan)}",
    )
    _rule(
        product.min_spread_bp <= data.spread_bp <= product.max_spread_bp,
        f"the spread must be {product.min_spread_bp}–{product.max_spread_bp} bp over LPR; got {data.spread_bp} bp",
    )
    _rule(
        product.min_term_months <= data.term_months <= product.max_term_months,
        f"the product lends for {product.min_term_months}–{product.max_term_months} months",
    )
    _rule(data.repayment_mode in product.repayment_modes, f"the product does not offer {data.repayment_mode.label}")
    support = set(data.credit_support)
    _rule(
        (CreditSupport.GUARANTEE_COMPANY in support) == (data.guarantor_id is not None),
        "name the guarantee company exactly when the credit support includes one",
    )
    _rule(
        (CreditSupport.INSURANCE in support) == (data.insurer_id is not None),
        "name the insurer exactly when the credit support includes insurance",
    )
    _rule(not product.requires_guarantor or data.guarantor_id is not None, "the product requires a guarantee company")
    _rule(not product.requires_insurer or data.insurer_id is not None, "the product requires insurance")


def registration_working_days(config: LoanConfig, kind: IPKind, channel: FilingChannel) -> int:
    family = "patent" if kind.is_patent else "trademark" if kind is IPKind.TRADEMARK else "copyright"
    return config.registration_working_days[f"{family}_{channel.value}"]


def check_filing(state: LoanState, data: FileRegistrationInput, today: date) -> None:
    """The pre-checks on which a registration would be refused (domain §2.4)."""
    assert state.application is not None
    assert state.proposal is not None
    asset = next((a for a in state.application.assets if a.id == data.asset_id), None)
    _rule(asset is not None, f"asset {data.asset_id} is not pledged in this loan")
    assert asset is not None
    current = state.filings.get(asset.id)
    _rule(
        current is None or current.outcome == "refused",
        f"{asset.number} is already filed ({current.outcome if current else ''})",
    )
    _rule(
        asset.owner_enterprise_id == state.enterprise_id, f"the pledgor is not the registered owner of {asset.number}"
    )
    _rule(asset.legal_status is LegalStatus.VALID, f"{asset.number} is {asset.legal_status.value}, not valid")
    _rule(asset.fees_paid, f"the annual fees of {asset.number} are not paid")
    missing = sorted(set(asset.co_owners) - set(data.co_owner_consents))
    _rule(not missing, f"co-owner consent missing for {asset.number}: {', '.join(missing)}")
    maturity = maturity_date(data.filed_on, state.proposal.term_months)
    _rule(
        maturity <= asset.expiry_date,
        f"the loan would mature on {maturity}, after {asset.number} expires on {asset.expiry_date}",
    )
    _rule(data.filed_on <= today, "the filing date cannot be in the future")


def check_outcome(state: LoanState, data: RecordRegistrationOutcomeInput, today: date) -> None:
    filing = state.filings.get(data.asset_id)
    _rule(filing is not None and filing.outcome == "pending", f"no pending registration for asset {data.asset_id}")
    assert filing is not None
    if data.registered:
        _rule(
            data.registration_number is not None and data.effective_date is not None,
            "a registration needs its number and effective date (质权设立日)",
        )
        assert data.effective_date is not None
        _rule(data.effective_date >= filing.filed_on, "the pledge cannot take effect before it was filed")
        _rule(data.effective_date <= today, "the effective date cannot be in the future")
    else:
        _rule(data.refusal_reason is not None, "a refusal needs its reason")


def check_disbursement(state: LoanState, data: DisburseLoanInput, today: date) -> None:
    assert state.proposal is not None
    pending = [a for a in state.asset_ids if state.filings.get(a) is None or state.filings[a].outcome != "registered"]
    _rule(not pending, f"the pledge is not yet effective for asset(s) {', '.join(pending)}")
    _rule(
        data.amount <= state.proposal.amount,
        f"the amount {format_yuan(data.amount)} is above the approved {format_yuan(state.proposal.amount)}",
    )
    latest_effective = max(f.effective_date for f in state.filings.values() if f.effective_date is not None)
    _rule(data.disbursed_on >= latest_effective, "disbursement cannot precede the pledge's effective date")
    _rule(data.disbursed_on <= today, "the disbursement date cannot be in the future")


def _ledger_rule(call: Callable[[], object]) -> None:
    try:
        call()
    except ledger_rules.PaymentRejected as error:
        raise StepRejected(STEP_RULE_VIOLATION, str(error)) from None


def _not_future(day: date, today: date, what: str) -> None:
    _rule(day <= today, f"the {what} {day} is in the future (today is {today})")


def check_repayment(state: LoanState, data: RecordRepaymentInput, today: date) -> None:
    assert state.servicing is not None
    _not_future(data.value_date, today, "value date")
    _ledger_rule(lambda: ledger_rules.apply_payment(state.servicing.ledger, data.amount, data.value_date))  # type: ignore[union-attr]


def check_prepayment(state: LoanState, data: PrepayLoanInput, today: date) -> None:
    assert state.servicing is not None
    ledger = state.servicing.ledger
    _not_future(data.value_date, today, "value date")
    quote = None

    def _quote() -> None:
        nonlocal quote
        quote = ledger_rules.quote_prepayment(ledger, data.value_date, data.principal)

    _ledger_rule(_quote)
    assert quote is not None
    _rule(
        quote.total == data.expected_total,
        f"the early repayment on {data.value_date} now costs {format_yuan(quote.total)}, not "
        f"{format_yuan(data.expected_total)}; ask for a new quote",
    )


def check_downgrade(state: LoanState, data: DowngradeLoanInput, today: date) -> None:  # noqa: ARG001  every entry of CHECKS takes (state, data, today)
    assert state.servicing is not None
    current = state.servicing.tier
    _rule(
        data.tier.rank > current.rank,
        f"a manual change can only downgrade: the loan is {current.label} ({current.value}); "
        f"choose a tier below it, not {data.tier.label}",
    )


def check_default(state: LoanState, data: DeclareDefaultInput, today: date) -> None:
    assert state.servicing is not None
    _not_future(data.declared_on, today, "default date")
    _ledger_rule(lambda: ledger_rules.accelerate(state.servicing.ledger, data.declared_on))  # type: ignore[union-attr]


def check_compensation(state: LoanState, data: RecordCompensationInput, today: date) -> None:
    assert state.servicing is not None
    _not_future(data.value_date, today, "value date")
    ledger = state.servicing.ledger
    owed = None

    def _owed() -> None:
        nonlocal owed
        accelerated = ledger if state.stage is Stage.DEFAULT else ledger_rules.accelerate(ledger, data.value_date)
        owed = ledger_rules.total_owed(accelerated, data.value_date)

    _ledger_rule(_owed)
    assert owed is not None
    _rule(
        data.amount <= owed,
        f"the compensation {format_yuan(data.amount)} is more than the bank is owed ({format_yuan(owed)})",
    )


def check_release_filing(state: LoanState, data: FileReleaseInput, today: date) -> None:
    assert state.servicing is not None
    _rule(data.asset_id in state.asset_ids, f"asset {data.asset_id} is not pledged in this loan")
    _rule(
        data.asset_id in _releasable(state, state.servicing),
        f"the release of asset {data.asset_id} is already filed",
    )
    _not_future(data.filed_on, today, "filing date")


def check_release_outcome(state: LoanState, data: RecordReleaseOutcomeInput, today: date) -> None:
    assert state.servicing is not None
    release = state.servicing.releases.get(data.asset_id)
    _rule(release is not None and release.outcome == "pending", f"no pending release for asset {data.asset_id}")
    assert release is not None
    if data.released:
        _rule(
            data.release_date is not None and data.notice_number is not None,
            "a release needs its date and notice number",
        )
        assert data.release_date is not None
        _rule(data.release_date >= release.filed_on, "the release cannot take effect before it was filed")
        _not_future(data.release_date, today, "release date")
    else:
        _rule(data.refusal_reason is not None, "a refusal needs its reason")


def check_extension(state: LoanState, data: RecordExtensionInput, today: date) -> None:  # noqa: ARG001  every entry of CHECKS takes (state, data, today)
    filing = state.filings.get(data.asset_id)
    _rule(
        data.asset_id in extendable_assets(state),
        f"asset {data.asset_id} has no trademark pledge ending before the loan matures",
    )
    assert filing is not None
    assert filing.pledge_end_date is not None
    _rule(
        data.new_end_date > filing.pledge_end_date,
        f"the new end date must be after the current one ({filing.pledge_end_date})",
    )


CHECKS: dict[LoanAction, Callable[..., None]] = {
    LoanAction.RECORD_REPAYMENT: check_repayment,
    LoanAction.PREPAY: check_prepayment,
    LoanAction.DOWNGRADE: check_downgrade,
    LoanAction.DECLARE_DEFAULT: check_default,
    LoanAction.RECORD_COMPENSATION: check_compensation,
    LoanAction.FILE_RELEASE: check_release_filing,
    LoanAction.RECORD_RELEASE_OUTCOME: check_release_outcome,
    LoanAction.RECORD_EXTENSION: check_extension,
    LoanAction.SUBMIT_APPLICATION: check_application,
    LoanAction.SUBMIT_VALUATION: check_valuation_report,
    LoanAction.ACCEPT_VALUATION: check_accept_valuation,
    LoanAction.PROPOSE_TERMS: check_proposal,
    LoanAction.FILE_REGISTRATION: check_filing,
    LoanAction.RECORD_REGISTRATION_OUTCOME: check_outcome,
    LoanAction.DISBURSE: check_disbursement,
}


def check_step(
    action: LoanAction, actor: Actor, state: LoanState, data: object, today: date, *, strict: bool = True
) -> None:
    """Everything a step must satisfy before it may enter the workflow's history (`today` in Shanghai).

    `strict` adds the rules of the patch `stricter-step-rules`: the dates of services.domain.step_dates, four eyes
    on normalised identities, a term within the pledged rights' life at application and proposal. Validators and
    the API always check strictly; a workflow run started before the patch keeps the older rules in its update
    handlers, so that its history replays as it was recorded.
    """
    check_allowed(action, actor, state)
    _state_allows(action, actor, state, strict)
    rule = CHECKS.get(action)
    if rule is not None:
        rule(state, data, today)
    if not strict:
        return
    if isinstance(data, SubmitApplicationInput):
        _within_asset_life(data.assets, today, data.requested_term_months, "from today")
    if isinstance(data, ProposeTermsInput) and state.application is not None:
        _within_asset_life(state.application.assets, today, data.term_months, "from today")
    try:
        check_dates(action, state, data, today)
    except DateRejected as error:
        raise StepRejected(error.kind, error.message) from None


def rate_percent(lpr_percent: Decimal, spread_bp: int) -> Decimal:
    """The loan rate: LPR + spread, in percent a year."""
    return lpr_percent + Decimal(spread_bp) / Decimal(100)
