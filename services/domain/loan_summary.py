"""The loan's summary as its state says it: the one projection both the read model's columns (written by the step's
activity) and the API's answer after a step (before the row is read again) are made from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.enums import RiskTier, Stage
from contracts.loan_state import LoanState


@dataclass(frozen=True)
class LoanSummary:
    stage: Stage
    bank_id: str | None
    valuer_id: str | None
    guarantor_id: str | None
    insurer_id: str | None
    requested_amount: Decimal | None
    max_loan: Decimal | None
    approved_amount: Decimal | None
    disbursed_amount: Decimal | None
    outstanding_principal: Decimal | None
    classification: RiskTier | None
    overdue_since: date | None


def summarize(state: LoanState) -> LoanSummary:
    approved = state.decision is not None and state.decision.approved and state.proposal is not None
    servicing = state.servicing
    return LoanSummary(
        stage=state.stage,
        bank_id=state.bank_id,
        valuer_id=state.application.valuer_id if state.application else None,
        guarantor_id=state.proposal.guarantor_id if state.proposal else None,
        insurer_id=state.proposal.insurer_id if state.proposal else None,
        requested_amount=state.application.requested_amount if state.application else None,
        max_loan=state.max_loan,
        approved_amount=state.proposal.amount if approved and state.proposal else None,
        disbursed_amount=state.disbursement.amount if state.disbursement else None,
        outstanding_principal=servicing.ledger.outstanding_principal if servicing else None,
        classification=servicing.tier if servicing else None,
        overdue_since=servicing.overdue_since if servicing else None,
    )
