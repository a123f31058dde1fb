"""A row of a loan list (`GET /loans`) as each party may read it: made from the read model's columns, never from
the workflow's state (lists do not load it), with the fields a party's loan page lacks blanked."""

from __future__ import annotations

from typing import Any

from contracts.enums import District, Role
from services.api.loans.party_views import next_step, row_summary, summary_fields
from services.api.loans.timeline_policy import ViewName
from services.store.tables import Loan

# Summary fields of a list row (GET /loans) a view may not see: blanked.
_HIDDEN_SUMMARY: dict[ViewName, tuple[str, ...]] = {
    "enterprise": ("max_loan", "classification"),
    "guarantor": ("max_loan", "waiting_on"),
    "insurer": ("max_loan", "waiting_on"),
    "valuer": (
        "waiting_on",
        "requested_amount",
        "max_loan",
        "approved_amount",
        "disbursed_amount",
        "outstanding_principal",
        "classification",
        "overdue_since",
    ),
    "station": ("max_loan", "classification", "outstanding_principal", "overdue_since"),
    "supervision": ("waiting_on",),
}
# `waiting_on` in a list row follows the loan page: the views whose LoanView has it (bank, enterprise, station).


def row_fields(loan: Loan) -> dict[str, object]:
    """A list row (GET /loans) from the read model's columns (never from `state`: lists do not load it)."""
    return {
        "id": loan.id,
        "enterprise_id": loan.enterprise_id,
        "enterprise_name": loan.enterprise_name,
        "district": District(loan.district),
        "bank_id": loan.bank_id,
        "station_id": loan.station_id,
        "waiting_on": [next_step(Role(w["role"]), w["actions"]) for w in loan.waiting_on],
        "opened_at": loan.opened_at,
        "updated_at": loan.updated_at,
    } | summary_fields(row_summary(loan))


def summary_for(view: ViewName, fields: dict[str, Any]) -> dict[str, Any]:
    """A list row as `view` may read it."""
    hidden = _HIDDEN_SUMMARY.get(view, ())
    row = {name: (None if name in hidden else value) for name, value in fields.items()}
    if "overdue_since" in hidden:
        row["days_past_due"] = 0
    return row
