"""The loan's read model as its workflow's state says it: the summary (stage, parties, amounts, classification) and
the row of the loan table made from it. One projection, computed once per step: the step's activity writes the row
(services/store/loan_steps) and the API answers with the same summary after a step (services/api/loans/party_views),
before the row is read again. Pure: no I/O; it lives beside the tables because it *is* the read model's shape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import TypeAdapter

from contracts.enums import RiskTier, Stage
from contracts.loan_state import LoanState, Waiting


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


_WAITING_JSON = TypeAdapter(list[Waiting])


def read_model_row(state: LoanState, now: datetime) -> dict[str, object]:
    """The loan table's columns, derived from the workflow's state (`state` itself and `waiting_on` as JSON text)."""
    summary = summarize(state)
    return {
        "id": state.loan_id,
        "enterprise_id": state.enterprise_id,
        "enterprise_name": state.enterprise_name,
        "district": state.district.value,
        "bank_id": summary.bank_id,
        "station_id": state.station_id,
        "valuer_id": summary.valuer_id,
        "guarantor_id": summary.guarantor_id,
        "insurer_id": summary.insurer_id,
        "stage": summary.stage.value,
        "opened_at": state.opened.at,
        "updated_at": now,
        "step_count": state.step_count,
        "requested_amount": summary.requested_amount,
        "max_loan": summary.max_loan,
        "approved_amount": summary.approved_amount,
        "disbursed_amount": summary.disbursed_amount,
        "outstanding_principal": summary.outstanding_principal,
        "classification": summary.classification.value if summary.classification else None,
        "overdue_since": summary.overdue_since,
        "waiting_on": _WAITING_JSON.dump_json(state.waiting_on).decode(),
        "state": state.model_dump_json(),
    }
