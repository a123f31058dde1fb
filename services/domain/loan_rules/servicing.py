"""What the servicing steps must respect, from the first repayment to the release of the pledge (domain §4, §2.6):
a payment the ledger (services.domain.servicing) cannot take is refused with the ledger's reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from contracts.base import STEP_RULE_VIOLATION
from contracts.enums import Stage
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
from services.domain import servicing as ledger_rules
from services.domain.loan_rules.access import extendable_assets, releasable
from services.domain.loan_rules.base import StepRejected, rule
from services.domain.money import format_yuan


def _ledger_rule(call: Callable[[], object]) -> None:
    try:
        call()
    except ledger_rules.PaymentRejected as error:
        raise StepRejected(STEP_RULE_VIOLATION, str(error)) from None


def _not_future(day: date, today: date, what: str) -> None:
    rule(day <= today, f"the {what} {day} is in the future (today is {today})")


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
    rule(
        quote.total == data.expected_total,
        f"the early repayment on {data.value_date} now costs {format_yuan(quote.total)}, not "
        f"{format_yuan(data.expected_total)}; ask for a new quote",
    )


def check_downgrade(state: LoanState, data: DowngradeLoanInput, today: date) -> None:  # noqa: ARG001  every entry of CHECKS takes (state, data, today)
    assert state.servicing is not None
    current = state.servicing.tier
    rule(
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
    rule(
        data.amount <= owed,
        f"the compensation {format_yuan(data.amount)} is more than the bank is owed ({format_yuan(owed)})",
    )


def check_release_filing(state: LoanState, data: FileReleaseInput, today: date) -> None:
    assert state.servicing is not None
    rule(data.asset_id in state.asset_ids, f"asset {data.asset_id} is not pledged in this loan")
    rule(
        data.asset_id in releasable(state, state.servicing),
        f"the release of asset {data.asset_id} is already filed",
    )
    _not_future(data.filed_on, today, "filing date")


def check_release_outcome(state: LoanState, data: RecordReleaseOutcomeInput, today: date) -> None:
    assert state.servicing is not None
    release = state.servicing.releases.get(data.asset_id)
    rule(release is not None and release.outcome == "pending", f"no pending release for asset {data.asset_id}")
    assert release is not None
    if data.released:
        rule(
            data.release_date is not None and data.notice_number is not None,
            "a release needs its date and notice number",
        )
        assert data.release_date is not None
        rule(data.release_date >= release.filed_on, "the release cannot take effect before it was filed")
        _not_future(data.release_date, today, "release date")
    else:
        rule(data.refusal_reason is not None, "a refusal needs its reason")


def check_extension(state: LoanState, data: RecordExtensionInput, today: date) -> None:  # noqa: ARG001  every entry of CHECKS takes (state, data, today)
    filing = state.filings.get(data.asset_id)
    rule(
        data.asset_id in extendable_assets(state),
        f"asset {data.asset_id} has no trademark pledge ending before the loan matures",
    )
    assert filing is not None
    assert filing.pledge_end_date is not None
    rule(
        data.new_end_date > filing.pledge_end_date,
        f"the new end date must be after the current one ({filing.pledge_end_date})",
    )
