"""The sections of the party views (services/api/loans/view_models), each made from the workflow's state by one
function. A section carries only what every view that shows it may know; what differs per party (a fee, a
voucher, a decision's reasons) is a parameter the caller decides on in services/api/loans/party_views."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel

from contracts.loan_state import (
    Application,
    AssetSnapshot,
    ChecklistTick,
    Closure,
    Decision,
    Disbursement,
    Filing,
    LoanState,
    Payment,
    Proposal,
    QualificationReview,
    Release,
    Servicing,
    SignOff,
    TierChange,
    ValuationReport,
    Visit,
)
from contracts.servicing import ZERO
from services.api.loans.view_models import (
    ApplicationView,
    AssetView,
    ChecklistEntry,
    ClosureView,
    DecisionView,
    DisbursementView,
    FilingView,
    PaymentView,
    QualificationView,
    ReleaseView,
    RepaymentView,
    RiskView,
    ServicingView,
    SignOffView,
    SupervisionServicingView,
    TermsView,
    TierChangeView,
    ValuationView,
    VisitView,
)

V = TypeVar("V", bound=BaseModel)


def project(view: type[V], source: BaseModel, **computed: Any) -> V:
    """`view` filled from the fields of `source` it shares by name, plus the `computed` ones."""
    shared = source.model_dump(include=set(view.model_fields) - set(computed))
    return view.model_validate(shared | computed)


def asset(a: AssetSnapshot) -> AssetView:
    return project(AssetView, a)


def visit(v: Visit) -> VisitView:
    return project(VisitView, v, logged_at=v.at)


def checklist(ticks: Iterable[ChecklistTick]) -> list[ChecklistEntry]:
    return [
        ChecklistEntry(item=t.item, label=t.item.label, note=t.note, ticked_at=t.at)
        for t in sorted(ticks, key=lambda t: t.at)
    ]


def qualification(q: QualificationReview | None) -> QualificationView | None:
    return None if q is None else project(QualificationView, q, reviewed_at=q.at)


def application(a: Application | None) -> ApplicationView | None:
    if a is None:
        return None
    return ApplicationView(
        product_id=a.product.id,
        product_name=a.product.name,
        requested_amount=a.requested_amount,
        requested_term_months=a.requested_term_months,
        assets=[asset(x) for x in a.assets],
        valuer_id=a.valuer_id,
        submitted_at=a.at,
    )


def valuation(r: ValuationReport, *, with_fee: bool) -> ValuationView:
    return project(ValuationView, r, fee=r.fee if with_fee else None, submitted_at=r.at)


def terms(p: Proposal | None) -> TermsView | None:
    return None if p is None else project(TermsView, p, proposed_at=p.at)


def decision(state: LoanState) -> DecisionView | None:
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


def sign_off(s: SignOff) -> SignOffView:
    return project(SignOffView, s, signed_at=s.at)


def filing(f: Filing) -> FilingView:
    return project(FilingView, f)


def disbursement(d: Disbursement | None, *, with_voucher: bool) -> DisbursementView | None:
    if d is None:
        return None
    return project(DisbursementView, d, voucher=d.voucher if with_voucher else None)


def payment(p: Payment | None) -> PaymentView | None:
    if p is None:
        return None
    return project(PaymentView, p, **p.allocation.model_dump())


def release(r: Release) -> ReleaseView:
    return project(ReleaseView, r)


def _tier_change(t: TierChange) -> TierChangeView:
    return project(TierChangeView, t)


def _payments(s: Servicing) -> list[PaymentView]:
    return [v for v in (payment(p) for p in s.payments) if v is not None]


def _releases(s: Servicing) -> list[ReleaseView]:
    return [release(r) for r in s.releases.values()]


def servicing(s: Servicing | None) -> ServicingView | None:
    if s is None:
        return None
    return ServicingView(
        tier=s.tier,
        auto_tier=s.auto_tier,
        manual_tier=s.manual_tier,
        days_past_due=s.days_past_due,
        overdue_since=s.overdue_since,
        payments=_payments(s),
        tier_history=[_tier_change(t) for t in s.tier_history],
        compensation_requested_on=s.compensation_requested_on,
        compensation=payment(s.compensation),
        recourse_claim=s.recourse_claim,
        defaulted_at=s.default.at if s.default else None,
        default_reason=s.default_reason,
        surplus=s.surplus,
        written_off=s.written_off,
        releases=_releases(s),
    )


def repayment(s: Servicing | None) -> RepaymentView | None:
    if s is None:
        return None
    return RepaymentView(
        days_past_due=s.days_past_due, overdue_since=s.overdue_since, payments=_payments(s), releases=_releases(s)
    )


def risk(s: Servicing | None) -> RiskView | None:
    if s is None:
        return None
    return RiskView(
        tier=s.tier,
        days_past_due=s.days_past_due,
        overdue_since=s.overdue_since,
        compensation_requested_on=s.compensation_requested_on,
        compensation=payment(s.compensation),
        recourse_claim=s.recourse_claim,
        defaulted_at=s.default.at if s.default else None,
    )


def supervision(s: Servicing | None) -> SupervisionServicingView | None:
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


def closure(c: Closure | None, *, with_reason: bool) -> ClosureView | None:
    if c is None:
        return None
    return ClosureView(outcome=c.outcome, at=c.at, reason=c.reason if with_reason else None)
