"""What a loan shows a caller: its summary, parties, the actions the caller may take now, its timeline and schedule,
and a quote for early repayment. Reads only; every step goes through `service.run_step`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Stage
from contracts.loan_state import LoanState
from contracts.servicing import PrepaymentQuote
from contracts.types import TRUSTED
from services.api.loans import party_views, timeline_policy
from services.api.loans.exceptions import NotInYourView, StepRuleViolation, StepWrongStage
from services.api.loans.schemas import ScheduleLineView, TimelineEntry
from services.domain import servicing as ledgers
from services.platform.auth import Principal
from services.store import loans as repository
from services.store.tables import Loan, ScheduleLine


async def timeline(session: AsyncSession, principal: Principal, loan: Loan) -> list[TimelineEntry]:
    """The loan's events as the caller's party may read them (services/api/loans/timeline_policy)."""
    view = party_views.view_of(principal.role)
    entries = []
    for e in await repository.list_events(session, loan.id):
        own = e.actor_org == principal.org_id
        how = timeline_policy.shown(view, e.kind, own)
        if how == "hidden":
            continue
        entries.append(
            TimelineEntry(
                seq=e.seq,
                kind=e.kind,
                stage=Stage(e.stage),
                summary=e.summary if how == "full" else timeline_policy.neutral(e.kind),
                by=e.actor_sub if view == "bank" or own else None,
                role=e.actor_role,
                organisation=e.actor_org,
                at=e.occurred_at,
                request_id=e.request_id if view == "bank" or own else None,
            )
        )
    return entries


def _line_status(line: ScheduleLine, today: date) -> Literal["paid", "partly_paid", "due", "overdue", "upcoming"]:
    total, paid = line.principal + line.interest, line.paid_principal + line.paid_interest
    if paid >= total:
        return "paid"
    if line.due_date < today:
        return "overdue"
    if line.due_date == today:
        return "due"
    return "partly_paid" if paid > 0 else "upcoming"


async def schedule(session: AsyncSession, principal: Principal, loan: Loan) -> list[ScheduleLineView]:
    if party_views.view_of(principal.role) == "valuer":
        raise NotInYourView(
            "An appraisal agency sees the assets it values and its reports, not the repayment schedule."
        )
    today = party_views.today()
    return [
        ScheduleLineView(
            seq=line.seq,
            period_start=line.period_start,
            due_date=line.due_date,
            principal=line.principal,
            interest=line.interest,
            total=line.principal + line.interest,
            paid_principal=line.paid_principal,
            paid_interest=line.paid_interest,
            outstanding=line.principal + line.interest - line.paid_principal - line.paid_interest,
            status=_line_status(line, today),
        )
        for line in await repository.list_schedule(session, loan.id)
    ]


def prepayment_quote(
    caller: Principal, loan: Loan, value_date: date | None, principal: Decimal | None
) -> PrepaymentQuote:
    """What an early repayment would cost (from the loan's last recorded state); nothing changes. Quoted to the
    borrower and its bank only."""
    if party_views.view_of(caller.role) not in ("bank", "enterprise"):
        raise NotInYourView("Early repayment is quoted to the borrower and its bank only.")
    state = LoanState.model_validate(loan.state, context=TRUSTED)
    if state.servicing is None or state.stage is not Stage.SERVICING:
        raise StepWrongStage(
            f"Early repayment is possible while the loan is being repaid; current stage: {loan.stage}."
        )
    try:
        return ledgers.quote_prepayment(state.servicing.ledger, value_date or party_views.today(), principal)
    except ledgers.PaymentRejected as error:
        raise StepRuleViolation(str(error)) from None
