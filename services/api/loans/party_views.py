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

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from contracts.base import Actor
from contracts.disposal import DisposalState
from contracts.enums import District, RiskTier, Role, Stage
from contracts.loan_state import LoanState
from contracts.types import TRUSTED
from services.api.dependencies import actor_of
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
from services.domain import servicing as ledgers
from services.domain.calendar import shanghai_date
from services.domain.loan_rules import available_actions
from services.domain.loan_rules.waiting import waiting_on as rules_waiting_on
from services.platform.auth import Principal
from services.store.read_model import summarize
from services.store.tables import Loan

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


def view_of(role: Role) -> ViewName:
    return VIEW_OF_ROLE[role]


def today() -> date:
    return shanghai_date(datetime.now(UTC))


def days_since(overdue_since: date | None) -> int:
    """Days past due today: the first overdue day counts as one."""
    return (today() - overdue_since).days + 1 if overdue_since else 0


def summary_fields(loan: Loan) -> dict[str, object]:
    """A list row (GET /loans) from the read model's columns (never from `state`: lists do not load it)."""
    stage = Stage(loan.stage)
    return {
        "id": loan.id,
        "stage": stage,
        "stage_label": stage.label,
        "enterprise_id": loan.enterprise_id,
        "enterprise_name": loan.enterprise_name,
        "district": District(loan.district),
        "bank_id": loan.bank_id,
        "station_id": loan.station_id,
        "waiting_on": [_next_step(Role(w["role"]), w["actions"]) for w in loan.waiting_on],
        "opened_at": loan.opened_at,
        "updated_at": loan.updated_at,
        "requested_amount": loan.requested_amount,
        "max_loan": loan.max_loan,
        "approved_amount": loan.approved_amount,
        "disbursed_amount": loan.disbursed_amount,
        "outstanding_principal": loan.outstanding_principal,
        "classification": RiskTier(loan.classification) if loan.classification else None,
        "overdue_since": loan.overdue_since,
        "days_past_due": days_since(loan.overdue_since),
    }


def _next_step(role: Role, actions: list[str]) -> NextStep:
    return NextStep(role=role, role_label=role.label, actions=actions)


def summary_for(view: ViewName, fields: dict[str, Any]) -> dict[str, Any]:
    """A list row as `view` may read it."""
    hidden = _HIDDEN_SUMMARY.get(view, ())
    row = {name: (None if name in hidden else value) for name, value in fields.items()}
    if "overdue_since" in hidden:
        row["days_past_due"] = 0
    return row


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


_ViewModel = (
    type[BankLoanView]
    | type[EnterpriseLoanView]
    | type[SignOffPartyLoanView]
    | type[ValuerLoanView]
    | type[StationLoanView]
    | type[SupervisionLoanView]
)
_MODEL: dict[ViewName, _ViewModel] = {
    "bank": BankLoanView,
    "enterprise": EnterpriseLoanView,
    "guarantor": SignOffPartyLoanView,
    "insurer": SignOffPartyLoanView,
    "valuer": ValuerLoanView,
    "station": StationLoanView,
    "supervision": SupervisionLoanView,
}


def loan_view(principal: Principal, loan: Loan, names: dict[str, str], state: LoanState | None = None) -> LoanView:
    """The loan as this caller's party sees it, from the stored state or, after a step, from the step's `state`;
    `names` are the parties' names, read with the loan or before the step (no query here).

    The view model decides which fields the party gets, and a field it lacks is never computed. The sections come
    first and what the domain's rules derive (summary, actions, who the loan waits on, position) last, so the
    state goes down the layers once and never back up."""
    view = view_of(principal.role)
    caller = actor_of(principal)
    state = state or LoanState.model_validate(loan.state, context=TRUSTED)
    model = _MODEL[view]
    wanted = set(model.model_fields)
    fields: dict[str, Any] = {
        "view": view,
        "id": loan.id,
        "district": District(loan.district),
        "opened_at": loan.opened_at,
        "updated_at": loan.updated_at,
        "disposal": _disposal(loan) if "disposal" in wanted else None,
        "parties": parties(state, names, view),
    }
    fields |= _sections(view, caller, state, wanted)
    fields |= _derived(caller, state, wanted)
    return model.model_validate({name: value for name, value in fields.items() if name in wanted})


def _disposal(loan: Loan) -> DisposalProgress | None:
    return DisposalProgress.of(DisposalState.model_validate(loan.disposal, context=TRUSTED)) if loan.disposal else None


def _sections(view: ViewName, caller: Actor, state: LoanState, wanted: set[str]) -> dict[str, Any]:
    """The sections `wanted` by the view, each as the party may read it: a fee, the voucher or a reason left out,
    and another party's sign-off or report, where the view is not entitled to it."""
    reports = list(state.valuations.values())
    if view == "valuer":  # an agency sees its own reports only
        reports = [r for r in reports if r.by.org_id == caller.org_id]
    own = state.sign_offs.get(caller.org_id)
    make: dict[str, Callable[[], Any]] = {
        "note": lambda: state.note,
        "visits": lambda: [sections.visit(v) for v in state.visits],
        "checklist": lambda: sections.checklist(state.checklist.values()),
        "qualification": lambda: sections.qualification(state.qualification),
        "application": lambda: sections.application(state.application),
        "assets": lambda: [sections.asset(a) for a in (state.application.assets if state.application else [])],
        "valuations": lambda: [sections.valuation(r, with_fee=view not in ("guarantor", "insurer")) for r in reports],
        "valuation_accepted": lambda: state.valuation_accepted is not None,
        "terms": lambda: sections.terms(state.proposal),
        "decision": lambda: sections.decision(state),
        "sign_offs": lambda: [sections.sign_off(s) for s in state.sign_offs.values()],
        "sign_off": lambda: sections.sign_off(own) if own is not None else None,
        "filings": lambda: [sections.filing(f) for f in state.filings.values()],
        "disbursement": lambda: sections.disbursement(state.disbursement, with_voucher=view == "bank"),
        "servicing": lambda: (sections.servicing if view == "bank" else sections.supervision)(state.servicing),
        "repayment": lambda: sections.repayment(state.servicing),
        "risk": lambda: sections.risk(state.servicing),
        "closure": lambda: sections.closure(state.closure, with_reason=view in ("bank", "supervision")),
    }
    return {name: section() for name, section in make.items() if name in wanted}


def _derived(caller: Actor, state: LoanState, wanted: set[str]) -> dict[str, Any]:
    """What the domain's rules derive from the state: the summary (as the read model's columns hold it), the
    caller's actions, who the loan waits on, and what it owes today."""
    summary = summarize(state)
    fields: dict[str, Any] = {
        "stage": summary.stage,
        "stage_label": summary.stage.label,
        "requested_amount": summary.requested_amount,
        "max_loan": summary.max_loan,
        "approved_amount": summary.approved_amount,
        "disbursed_amount": summary.disbursed_amount,
        "outstanding_principal": summary.outstanding_principal,
        "classification": summary.classification,
        "overdue_since": summary.overdue_since,
        "days_past_due": days_since(summary.overdue_since),
        "actions": [a.value for a in available_actions(caller, state)],
    }
    if "waiting_on" in wanted:
        fields["waiting_on"] = [
            _next_step(role, [a.value for a in actions]) for role, actions in rules_waiting_on(state)
        ]
    servicing = state.servicing
    if "position" in wanted:
        fields["position"] = (
            ledgers.position(servicing.ledger, max(today(), servicing.ledger.accrued_to))
            if servicing is not None and state.stage.is_servicing
            else None
        )
    return fields
