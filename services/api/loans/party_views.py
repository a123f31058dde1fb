"""Which view of a loan each caller gets, and how it is filled from the workflow's state, section by section.

The caller's role decides the view (`VIEW_OF_ROLE`); the view model (services/api/loans/view_models) decides which
sections it has; this module decides what goes into each and makes it (a list's row: services/api/loans/list_rows).
Who may see the loan at all is decided before, by the one visibility policy (services/api/visibility). Per party:

- bank staff (and the platform's operators): everything, including the decision's reasons and the voucher;
- the enterprise: its loan, what it owes and what happens next; not the bank's decision notes, the five-tier
  classification, the maximum loan the bank computed or the bank's voucher;
- a guarantor or insurer: the loan's terms, collateral, registration and risk, and its own sign-off only;
- an appraisal agency: the assets and its own reports; no amounts and no credit decision;
- a station specialist: the case's progress and who it waits on;
- a district reviewer or the city: what supervision and subsidy review need (including fees, for subsidy).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

from contracts.base import Actor
from contracts.disposal import DisposalState
from contracts.enums import District, Role
from contracts.loan_state import (
    Application,
    ChecklistTick,
    Closure,
    Decision,
    Disbursement,
    LoanState,
    LoanSummary,
    Payment,
    Proposal,
    QualificationReview,
    Servicing,
    ValuationReport,
)
from contracts.servicing import ZERO
from contracts.types import TRUSTED
from services.api.dependencies import actor_of
from services.api.disposals.schemas import DisposalProgress
from services.api.loans.timeline_policy import ViewName
from services.api.loans.view_models import (
    ApplicationView,
    AssetView,
    BankLoanView,
    ChecklistEntry,
    ClosureView,
    DecisionView,
    DisbursementView,
    EnterpriseLoanView,
    FilingView,
    LoanView,
    NextStep,
    Party,
    PaymentView,
    QualificationView,
    ReleaseView,
    RepaymentView,
    RiskView,
    ServicingView,
    SignOffPartyLoanView,
    SignOffView,
    StationLoanView,
    SupervisionLoanView,
    SupervisionServicingView,
    TermsView,
    TierChangeView,
    ValuationView,
    ValuerLoanView,
    VisitView,
)
from services.domain import servicing as ledgers
from services.domain.calendar import shanghai_date
from services.domain.loan_rules import available_actions
from services.domain.loan_rules.waiting import waiting_on as rules_waiting_on
from services.platform.auth import Principal
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


def view_of(role: Role) -> ViewName:
    return VIEW_OF_ROLE[role]


def today() -> date:
    return shanghai_date(datetime.now(UTC))


def days_since(overdue_since: date | None) -> int:
    """Days past due today: the first overdue day counts as one."""
    return (today() - overdue_since).days + 1 if overdue_since else 0


def next_step(role: Role, actions: list[str]) -> NextStep:
    return NextStep(role=role, role_label=role.label, actions=actions)


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


def loan_view(
    principal: Principal,
    loan: Loan,
    names: dict[str, str],
    state: LoanState | None = None,
    summary: LoanSummary | None = None,
) -> LoanView:
    """The loan as this caller's party sees it: after a step, from the step's `state` and `summary` (as its
    workflow computed them); otherwise from the stored state (`state`, when the caller has parsed it already) and
    the summary the read model's row holds. `names` are the parties' names, read with the loan or before the step
    (no query here).

    The view model decides which fields the party gets, and a field it lacks is never computed. The sections come
    first and what the domain's rules derive (who the loan waits on, actions, position) last, so the state goes down
    the layers once and never back up."""
    view = view_of(principal.role)
    caller = actor_of(principal)
    state = state or LoanState.model_validate(loan.state, context=TRUSTED)
    summary = summary or row_summary(loan)
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
    fields |= summary_fields(summary)
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
        "visits": lambda: [_project(VisitView, v, logged_at=v.at) for v in state.visits],
        "checklist": lambda: _checklist(state.checklist.values()),
        "qualification": lambda: _qualification(state.qualification),
        "application": lambda: _application(state.application),
        "assets": lambda: [_project(AssetView, a) for a in (state.application.assets if state.application else [])],
        "valuations": lambda: [_valuation(r, with_fee=view not in ("guarantor", "insurer")) for r in reports],
        "valuation_accepted": lambda: state.valuation_accepted is not None,
        "terms": lambda: _terms(state.proposal),
        "decision": lambda: _decision(state),
        "sign_offs": lambda: [_project(SignOffView, s, signed_at=s.at) for s in state.sign_offs.values()],
        "sign_off": lambda: _project(SignOffView, own, signed_at=own.at) if own else None,
        "filings": lambda: [_project(FilingView, f) for f in state.filings.values()],
        "disbursement": lambda: _disbursement(state.disbursement, with_voucher=view == "bank"),
        "servicing": lambda: (_servicing if view == "bank" else _supervision)(state.servicing),
        "repayment": lambda: _repayment(state.servicing),
        "risk": lambda: _risk(state.servicing),
        "closure": lambda: _closure(state.closure, with_reason=view in ("bank", "supervision")),
    }
    return {name: section() for name, section in make.items() if name in wanted}


def row_summary(loan: Loan) -> LoanSummary:
    """The summary as the read model's row holds it (the columns its workflow's step wrote)."""
    return LoanSummary.model_validate(loan, from_attributes=True)


def summary_fields(summary: LoanSummary) -> dict[str, Any]:
    """The summary's fields of a loan's page or list row (a view leaves out those it lacks or hides)."""
    return {
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
    }


def _derived(caller: Actor, state: LoanState, wanted: set[str]) -> dict[str, Any]:
    """What the domain's rules derive from the state: who the loan waits on, the caller's actions, and what it owes
    today."""
    fields: dict[str, Any] = {"actions": [a.value for a in available_actions(caller, state)]}
    if "waiting_on" in wanted:
        waiting = rules_waiting_on(state)
        fields["waiting_on"] = [next_step(role, [a.value for a in actions]) for role, actions in waiting]
    servicing = state.servicing
    if "position" in wanted:
        fields["position"] = (
            ledgers.position(servicing.ledger, max(today(), servicing.ledger.accrued_to))
            if servicing is not None and state.stage.is_servicing
            else None
        )
    return fields


# ---- the sections, each made from the state by one function; a section carries only what every view that
# shows it may know, and what differs per party (a fee, the voucher, a reason) is a parameter decided above ----

V = TypeVar("V", bound=BaseModel)


def _project(view: type[V], source: BaseModel, **computed: Any) -> V:
    """`view` filled from the fields of `source` it shares by name, plus the `computed` ones."""
    shared = source.model_dump(include=set(view.model_fields) - set(computed))
    return view.model_validate(shared | computed)


def _checklist(ticks: Iterable[ChecklistTick]) -> list[ChecklistEntry]:
    return [
        ChecklistEntry(item=t.item, label=t.item.label, note=t.note, ticked_at=t.at)
        for t in sorted(ticks, key=lambda t: t.at)
    ]


def _qualification(q: QualificationReview | None) -> QualificationView | None:
    return None if q is None else _project(QualificationView, q, reviewed_at=q.at)


def _application(a: Application | None) -> ApplicationView | None:
    if a is None:
        return None
    return ApplicationView(
        product_id=a.product.id,
        product_name=a.product.name,
        requested_amount=a.requested_amount,
        requested_term_months=a.requested_term_months,
        assets=[_project(AssetView, x) for x in a.assets],
        valuer_id=a.valuer_id,
        submitted_at=a.at,
    )


def _valuation(r: ValuationReport, *, with_fee: bool) -> ValuationView:
    return _project(ValuationView, r, fee=r.fee if with_fee else None, submitted_at=r.at)


def _terms(p: Proposal | None) -> TermsView | None:
    return None if p is None else _project(TermsView, p, proposed_at=p.at)


def _decision(state: LoanState) -> DecisionView | None:
    d: Decision | None = state.decision
    if d is None:
        return None
    return DecisionView(
        approved=d.approved,
        reason=d.reason,
        proposed_by=state.proposal.by.sub if state.proposal else "",
        decided_by=d.by.sub,
        decided_at=d.at,
    )


def _disbursement(d: Disbursement | None, *, with_voucher: bool) -> DisbursementView | None:
    if d is None:
        return None
    return _project(DisbursementView, d, voucher=d.voucher if with_voucher else None)


def _payment(p: Payment | None) -> PaymentView | None:
    if p is None:
        return None
    return _project(PaymentView, p, **p.allocation.model_dump())


def _payments(s: Servicing) -> list[PaymentView]:
    return [v for v in (_payment(p) for p in s.payments) if v is not None]


def _releases(s: Servicing) -> list[ReleaseView]:
    return [_project(ReleaseView, r) for r in s.releases.values()]


def _servicing(s: Servicing | None) -> ServicingView | None:
    if s is None:
        return None
    return ServicingView(
        tier=s.tier,
        auto_tier=s.auto_tier,
        manual_tier=s.manual_tier,
        days_past_due=s.days_past_due,
        overdue_since=s.overdue_since,
        payments=_payments(s),
        tier_history=[_project(TierChangeView, t) for t in s.tier_history],
        compensation_requested_on=s.compensation_requested_on,
        compensation=_payment(s.compensation),
        recourse_claim=s.recourse_claim,
        defaulted_at=s.default.at if s.default else None,
        default_reason=s.default_reason,
        surplus=s.surplus,
        written_off=s.written_off,
        releases=_releases(s),
    )


def _repayment(s: Servicing | None) -> RepaymentView | None:
    if s is None:
        return None
    return RepaymentView(
        days_past_due=s.days_past_due, overdue_since=s.overdue_since, payments=_payments(s), releases=_releases(s)
    )


def _risk(s: Servicing | None) -> RiskView | None:
    if s is None:
        return None
    return RiskView(
        tier=s.tier,
        days_past_due=s.days_past_due,
        overdue_since=s.overdue_since,
        compensation_requested_on=s.compensation_requested_on,
        compensation=_payment(s.compensation),
        recourse_claim=s.recourse_claim,
        defaulted_at=s.default.at if s.default else None,
    )


def _supervision(s: Servicing | None) -> SupervisionServicingView | None:
    if s is None:
        return None
    paid = [p for p in s.payments if p.kind != "compensation"]
    return SupervisionServicingView(
        tier=s.tier,
        days_past_due=s.days_past_due,
        overdue_since=s.overdue_since,
        interest_paid=sum((p.allocation.interest for p in paid), start=ZERO),
        principal_repaid=sum((p.allocation.principal for p in paid), start=ZERO),
        compensated=s.compensation.amount if s.compensation else Decimal(0),
        defaulted_at=s.default.at if s.default else None,
        written_off=s.written_off,
    )


def _closure(c: Closure | None, *, with_reason: bool) -> ClosureView | None:
    if c is None:
        return None
    return ClosureView(outcome=c.outcome, at=c.at, reason=c.reason if with_reason else None)
