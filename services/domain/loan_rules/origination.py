"""What the origination steps must respect, from the application to the disbursement (domain §2.1–2.5), and the
figures they set: the maximum loan, the rate, the registration's working days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from contracts.enums import CreditSupport, FilingChannel, IPKind, LegalStatus, RepaymentMode
from contracts.loan_state import AssetSnapshot, LoanConfig, LoanState
from contracts.loan_steps import (
    AcceptValuationInput,
    DisburseLoanInput,
    FileRegistrationInput,
    ProposeTermsInput,
    RecordRegistrationOutcomeInput,
    SubmitApplicationInput,
    SubmitValuationInput,
)
from services.domain.loan_rules.base import rule
from services.domain.money import format_yuan, to_fen
from services.domain.schedule import maturity_date


def within_asset_life(
    assets: Sequence[AssetSnapshot], start: date, term_months: int, when: str, *, earliest: bool = False
) -> None:
    """A loan may not outlive a pledged right (registration refuses it, domain §2.4): said at once, not first at
    registration. It matures `term_months` after `start`, or later when `start` is only the earliest the loan can
    be disbursed (`earliest`)."""
    maturity = maturity_date(start, term_months)
    at_the_earliest = " at the earliest" if earliest else ""
    for asset in assets:
        rule(
            maturity <= asset.expiry_date,
            f"a {term_months}-month loan {when} would mature on {maturity}{at_the_earliest}, after {asset.number} "
            f"expires on {asset.expiry_date}",
        )


# 一次性还本付息 (bullet: interest and principal at maturity) is for loans of up to a year (domain §4); a longer
# loan pays its interest as it goes. Products cannot say "bullet only up to 12 months", so the rule says it.
BULLET_MAX_TERM_MONTHS = 12


def check_bullet_term(state: LoanState, data: object) -> None:
    """A bullet loan is for 12 months at most. (Part of the patch `term-rules`: see `check_step`.)"""
    if not isinstance(data, ProposeTermsInput) or data.repayment_mode is not RepaymentMode.BULLET:
        return
    offered = state.application.product.repayment_modes if state.application is not None else []
    others = [mode.label for mode in offered if mode is not RepaymentMode.BULLET]
    choose = f" or choose another mode the product offers ({' / '.join(others)})" if others else ""
    rule(
        data.term_months <= BULLET_MAX_TERM_MONTHS,
        f"{RepaymentMode.BULLET.label} (bullet repayment) is for loans of at most {BULLET_MAX_TERM_MONTHS} months, "
        f"not {data.term_months}: shorten the term{choose}",
    )


def check_maturity(state: LoanState, data: object) -> None:
    """The loan matures a term after its disbursement, not after its application (issue 13), and the pledge must
    cover it: every pledged right must outlive it. At the filing of a registration the disbursement cannot come
    sooner than the filing, so the filing date bounds the maturity from below; at the disbursement the date is the
    real one. (Part of the patch `term-rules`: see `check_step`.)"""
    if state.application is None or state.proposal is None:
        return
    assets, term = state.application.assets, state.proposal.term_months
    if isinstance(data, FileRegistrationInput):
        within_asset_life(assets, data.filed_on, term, f"filed for registration on {data.filed_on}", earliest=True)
    if isinstance(data, DisburseLoanInput):
        within_asset_life(assets, data.disbursed_on, term, f"disbursed on {data.disbursed_on}")


def check_application(state: LoanState, data: SubmitApplicationInput, today: date) -> None:  # noqa: ARG001  every entry of CHECKS takes (state, data, today)
    rule(data.product.bank_id == data.bank_id, "the product does not belong to the chosen bank")
    rule(state.bank_id is None or state.bank_id == data.bank_id, "the case was opened with another bank")
    rule(
        data.product.min_term_months <= data.requested_term_months <= data.product.max_term_months,
        f"the product lends for {data.product.min_term_months}–{data.product.max_term_months} months",
    )
    ids = [a.id for a in data.assets]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    rule(not twice, f"asset {', '.join(twice)} is listed more than once")
    for asset in data.assets:
        rule(
            asset.kind in data.product.pledge_rates, f"the product does not accept {asset.kind.label} ({asset.number})"
        )
        rule(
            asset.owner_enterprise_id == state.enterprise_id,
            f"{asset.number} is not owned by {state.enterprise_name}: the pledgor must be the owner",
        )


def check_valuation_report(state: LoanState, data: SubmitValuationInput, today: date) -> None:
    rule(data.asset_id in state.asset_ids, f"asset {data.asset_id} is not pledged in this loan")
    rule(data.valid_until > data.base_date, "a report's validity must end after its base date")
    rule(data.base_date <= today, "a report's base date cannot be in the future")


def check_accept_valuation(state: LoanState, data: AcceptValuationInput, today: date) -> None:  # noqa: ARG001  every entry of CHECKS takes (state, data, today)
    for report in state.valuations.values():
        rule(
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
    rule(
        data.amount <= state.max_loan,
        f"the amount {format_yuan(data.amount)} is above the maximum loan {format_yuan(state.max_loan)}",
    )
    rule(
        product.min_spread_bp <= data.spread_bp <= product.max_spread_bp,
        f"the spread must be {product.min_spread_bp}–{product.max_spread_bp} bp over LPR; got {data.spread_bp} bp",
    )
    rule(
        product.min_term_months <= data.term_months <= product.max_term_months,
        f"the product lends for {product.min_term_months}–{product.max_term_months} months",
    )
    rule(data.repayment_mode in product.repayment_modes, f"the product does not offer {data.repayment_mode.label}")
    support = set(data.credit_support)
    rule(
        (CreditSupport.GUARANTEE_COMPANY in support) == (data.guarantor_id is not None),
        "name the guarantee company exactly when the credit support includes one",
    )
    rule(
        (CreditSupport.INSURANCE in support) == (data.insurer_id is not None),
        "name the insurer exactly when the credit support includes insurance",
    )
    rule(not product.requires_guarantor or data.guarantor_id is not None, "the product requires a guarantee company")
    rule(not product.requires_insurer or data.insurer_id is not None, "the product requires insurance")


def registration_working_days(config: LoanConfig, kind: IPKind, channel: FilingChannel) -> int:
    family = "patent" if kind.is_patent else "trademark" if kind is IPKind.TRADEMARK else "copyright"
    return config.registration_working_days[f"{family}_{channel.value}"]


def check_filing(state: LoanState, data: FileRegistrationInput, today: date) -> None:
    """The pre-checks on which a registration would be refused (domain §2.4)."""
    assert state.application is not None
    assert state.proposal is not None
    asset = next((a for a in state.application.assets if a.id == data.asset_id), None)
    rule(asset is not None, f"asset {data.asset_id} is not pledged in this loan")
    assert asset is not None
    current = state.filings.get(asset.id)
    rule(
        current is None or current.outcome == "refused",
        f"{asset.number} is already filed ({current.outcome if current else ''})",
    )
    rule(asset.owner_enterprise_id == state.enterprise_id, f"the pledgor is not the registered owner of {asset.number}")
    rule(asset.legal_status is LegalStatus.VALID, f"{asset.number} is {asset.legal_status.value}, not valid")
    rule(asset.fees_paid, f"the annual fees of {asset.number} are not paid")
    missing = sorted(set(asset.co_owners) - set(data.co_owner_consents))
    rule(not missing, f"co-owner consent missing for {asset.number}: {', '.join(missing)}")
    when = f"filed for registration on {data.filed_on}"
    within_asset_life([asset], data.filed_on, state.proposal.term_months, when, earliest=True)
    rule(data.filed_on <= today, "the filing date cannot be in the future")


def check_outcome(state: LoanState, data: RecordRegistrationOutcomeInput, today: date) -> None:
    filing = state.filings.get(data.asset_id)
    rule(filing is not None and filing.outcome == "pending", f"no pending registration for asset {data.asset_id}")
    assert filing is not None
    if data.registered:
        rule(
            data.registration_number is not None and data.effective_date is not None,
            "a registration needs its number and effective date (质权设立日)",
        )
        assert data.effective_date is not None
        rule(data.effective_date >= filing.filed_on, "the pledge cannot take effect before it was filed")
        rule(data.effective_date <= today, "the effective date cannot be in the future")
    else:
        rule(data.refusal_reason is not None, "a refusal needs its reason")


def check_disbursement(state: LoanState, data: DisburseLoanInput, today: date) -> None:
    assert state.proposal is not None
    pending = [a for a in state.asset_ids if state.filings.get(a) is None or state.filings[a].outcome != "registered"]
    rule(not pending, f"the pledge is not yet effective for asset(s) {', '.join(pending)}")
    rule(
        data.amount <= state.proposal.amount,
        f"the amount {format_yuan(data.amount)} is above the approved {format_yuan(state.proposal.amount)}",
    )
    latest_effective = max(f.effective_date for f in state.filings.values() if f.effective_date is not None)
    rule(data.disbursed_on >= latest_effective, "disbursement cannot precede the pledge's effective date")
    rule(data.disbursed_on <= today, "the disbursement date cannot be in the future")


def rate_percent(lpr_percent: Decimal, spread_bp: int) -> Decimal:
    """The loan rate: LPR + spread, in percent a year."""
    return lpr_percent + Decimal(spread_bp) / Decimal(100)
