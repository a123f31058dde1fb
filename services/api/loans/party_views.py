"""Which view of a loan each caller gets, and how it is filled from the workflow's state.

The caller's role decides the view (`VIEW_OF_ROLE`); the view model (services/api/loans/view_models) decides which
sections it has; this module decides what goes into each. Who may see the loan at all is decided before, by the
one visibility policy (services/api/visibility). Per party:

- bank staff (and the platform's operators): everything, including the decision's reasons and the voucher;
- the enterprise: its loan, what it owes and what happens next; not the bank's decision notes, the five-tier
  classification, the maximum loan the bank computed or the bank's voucher;
- a guarantor or insurer: the loan's terms, collateral, registration and risk, and its own sign-off only;
- an appraisal agency: the assets and its own reports; no amounts and no credit decision;
- a station specialist: the case's progress and who it waits on;
- a district reviewer or the city: what supervision and subsidy review need (including fees, for subsidy).
"""

from __future__ import annotations

from typing import Any

from contracts.base import Actor
from contracts.enums import Role
from contracts.loan_state import LoanState
from contracts.servicing import Position
from services.api.disposals.schemas import DisposalProgress
from services.api.loans import sections
from services.api.loans.timeline_policy import ViewName
from services.api.loans.view_models import (
    BankLoanView,
    EnterpriseLoanView,
    LoanView,
    NextStep,
    Party,
    SignOffPartyLoanView,
    StationLoanView,
    SupervisionLoanView,
    ValuerLoanView,
)
from services.domain.loan_rules.waiting import waiting_on as rules_waiting_on

VIEW_OF_ROLE: dict[Role, ViewName] = {
    Role.BANK_OFFICER: "bank",
    Role.BANK_APPROVER: "bank",
    Role.PLATFORM_ADMIN: "bank",
    Role.ENTERPRISE: "enterprise",
    Role.GUARANTOR: "guarantor",
    Role.INSURER: "insurer",
    Role.VALUER: "valuer",
    Role.STATION_SPECIALIST: "station",
    Role.DISTRICT_REVIEWER: "supervision",
    Role.CITY_ADMIN: "supervision",
}

# Summary fields of a list row (GET /loans) a view may not see: blanked.
_HIDDEN_SUMMARY: dict[ViewName, tuple[str, ...]] = {
    "enterprise": ("max_loan", "classification"),
    "guarantor": ("max_loan",),
    "insurer": ("max_loan",),
    "valuer": (
        "requested_amount",
        "max_loan",
        "approved_amount",
        "disbursed_amount",
        "outstanding_principal",
        "classification",
        "overdue_since",
    ),
    "station": ("max_loan", "classification", "outstanding_principal", "overdue_since"),
}


def view_of(role: Role) -> ViewName:
    return VIEW_OF_ROLE[role]


def summary_for(view: ViewName, fields: dict[str, Any]) -> dict[str, Any]:
    """A list row as `view` may read it."""
    hidden = _HIDDEN_SUMMARY.get(view, ())
    row = {name: (None if name in hidden else value) for name, value in fields.items()}
    if "overdue_since" in hidden:
        row["days_past_due"] = 0
    return row


def waiting_on(state: LoanState) -> list[NextStep]:
    """Who the loan waits on now and for which steps (the rule: services/domain/loan_rules/waiting)."""
    return [
        NextStep(role=role, role_label=role.label, actions=[a.value for a in actions])
        for role, actions in rules_waiting_on(state)
    ]


def parties(state: LoanState, names: dict[str, str], view: ViewName) -> dict[str, Party]:
    roles = {
        "bank": state.bank_id,
        "station": state.station_id,
        "valuer": state.application.valuer_id if state.application else None,
        "guarantor": state.proposal.guarantor_id if state.proposal else None,
        "insurer": state.proposal.insurer_id if state.proposal else None,
    }
    if view == "valuer":  # the agency deals with the enterprise and the bank; the credit support is not its business
        roles = {k: v for k, v in roles.items() if k in ("bank", "valuer")}
    found = {"enterprise": Party(id=state.enterprise_id, name=state.enterprise_name)}
    return found | {label: Party(id=org, name=names.get(org)) for label, org in roles.items() if org}


def build(
    view: ViewName,
    caller: Actor,
    state: LoanState,
    base: dict[str, Any],
    position: Position | None,
    disposal: DisposalProgress | None,
) -> LoanView:
    """The loan as `view` shows it to `caller`; `base` holds the summary (id, stage, amounts...), parties and
    the caller's actions."""
    common = {k: base[k] for k in ("id", "stage", "stage_label", "district", "opened_at", "updated_at")}
    common |= {"parties": base["parties"], "actions": base["actions"]}
    amounts = {k: base[k] for k in ("requested_amount", "approved_amount", "disbursed_amount")}
    valuations = list(state.valuations.values())
    if view == "bank":
        return BankLoanView(
            **common,
            **amounts,
            max_loan=base["max_loan"],
            outstanding_principal=base["outstanding_principal"],
            classification=base["classification"],
            overdue_since=base["overdue_since"],
            days_past_due=base["days_past_due"],
            note=state.note,
            waiting_on=waiting_on(state),
            position=position,
            visits=[sections.visit(v) for v in state.visits],
            checklist=sections.checklist(state.checklist.values()),
            qualification=sections.qualification(state.qualification),
            application=sections.application(state.application),
            valuations=[sections.valuation(r, with_fee=True) for r in valuations],
            terms=sections.terms(state.proposal),
            decision=sections.decision(state),
            sign_offs=[sections.sign_off(s) for s in state.sign_offs.values()],
            filings=[sections.filing(f) for f in state.filings.values()],
            disbursement=sections.disbursement(state.disbursement, with_voucher=True),
            servicing=sections.servicing(state.servicing),
            closure=sections.closure(state.closure, with_reason=True),
            disposal=disposal,
        )
    if view == "enterprise":
        return EnterpriseLoanView(
            **common,
            **amounts,
            outstanding_principal=base["outstanding_principal"],
            waiting_on=waiting_on(state),
            position=position,
            checklist=sections.checklist(state.checklist.values()),
            application=sections.application(state.application),
            valuations=[sections.valuation(r, with_fee=True) for r in valuations],
            terms=sections.terms(state.proposal),
            sign_offs=[sections.sign_off(s) for s in state.sign_offs.values()],
            filings=[sections.filing(f) for f in state.filings.values()],
            disbursement=sections.disbursement(state.disbursement, with_voucher=False),
            repayment=sections.repayment(state.servicing),
            closure=sections.closure(state.closure, with_reason=False),
        )
    if view in ("guarantor", "insurer"):
        own = state.sign_offs.get(caller.org_id)
        return SignOffPartyLoanView(
            **common,
            **amounts,
            view=view,
            outstanding_principal=base["outstanding_principal"],
            application=sections.application(state.application),
            valuations=[sections.valuation(r, with_fee=False) for r in valuations],
            terms=sections.terms(state.proposal),
            sign_off=sections.sign_off(own) if own is not None else None,
            filings=[sections.filing(f) for f in state.filings.values()],
            disbursement=sections.disbursement(state.disbursement, with_voucher=False),
            risk=sections.risk(state.servicing),
            closure=sections.closure(state.closure, with_reason=False),
        )
    if view == "valuer":
        own_reports = [r for r in valuations if r.by.org_id == caller.org_id]
        return ValuerLoanView(
            **common,
            assets=[sections.asset(a) for a in (state.application.assets if state.application else [])],
            valuations=[sections.valuation(r, with_fee=True) for r in own_reports],
            valuation_accepted=state.valuation_accepted is not None,
        )
    if view == "station":
        return StationLoanView(
            **common,
            **amounts,
            note=state.note,
            waiting_on=waiting_on(state),
            visits=[sections.visit(v) for v in state.visits],
            checklist=sections.checklist(state.checklist.values()),
            qualification=sections.qualification(state.qualification),
            application=sections.application(state.application),
            filings=[sections.filing(f) for f in state.filings.values()],
            disbursement=sections.disbursement(state.disbursement, with_voucher=False),
            closure=sections.closure(state.closure, with_reason=False),
        )
    return SupervisionLoanView(
        **common,
        **amounts,
        outstanding_principal=base["outstanding_principal"],
        classification=base["classification"],
        overdue_since=base["overdue_since"],
        days_past_due=base["days_past_due"],
        qualification=sections.qualification(state.qualification),
        application=sections.application(state.application),
        valuations=[sections.valuation(r, with_fee=True) for r in valuations],
        terms=sections.terms(state.proposal),
        sign_offs=[sections.sign_off(s) for s in state.sign_offs.values()],
        filings=[sections.filing(f) for f in state.filings.values()],
        disbursement=sections.disbursement(state.disbursement, with_voucher=False),
        servicing=sections.supervision(state.servicing),
        closure=sections.closure(state.closure, with_reason=True),
    )
