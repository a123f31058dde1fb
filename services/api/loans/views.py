"""What a loan shows a caller: its summary, parties, the actions the caller may take now, its timeline and schedule,
and a quote for early repayment. Reads only; every step goes through `service.run_step`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.disposal import DisposalState
from contracts.enums import District, RiskTier, Stage
from contracts.loan_state import LoanState
from contracts.servicing import PrepaymentQuote
from contracts.types import TRUSTED
from services.api.dependencies import actor_of
from services.api.disposals.schemas import DisposalProgress
from services.api.loans import party_views, timeline_policy
from services.api.loans.exceptions import NotInYourView, StepRuleViolation, StepWrongStage
from services.api.loans.schemas import ScheduleLineView, TimelineEntry
from services.api.loans.view_models import LoanView
from services.domain import servicing as ledgers
from services.domain.calendar import shanghai_date
from services.domain.loan_rules import available_actions
from services.domain.loan_summary import summarize
from services.platform.auth import Principal
from services.store import loans as repository
from services.store.tables import Loan, ScheduleLine


def summary_fields(loan: Loan) -> dict[str, object]:
    stage = Stage(loan.stage)
    return {
        "id": loan.id,
        "stage": stage,
        "stage_label": stage.label,
        "enterprise_id": loan.enterprise_id,
        "district": District(loan.district),
        "bank_id": loan.bank_id,
        "station_id": loan.station_id,
        "opened_at": loan.opened_at,
        "updated_at": loan.updated_at,
        "requested_amount": loan.requested_amount,
        "max_loan": loan.max_loan,
        "approved_amount": loan.approved_amount,
        "disbursed_amount": loan.disbursed_amount,
        "outstanding_principal": loan.outstanding_principal,
        "classification": RiskTier(loan.classification) if loan.classification else None,
        "overdue_since": loan.overdue_since,
        "days_past_due": _days_since(loan.overdue_since),
    }


def _today() -> date:
    return shanghai_date(datetime.now(UTC))


def _days_since(overdue_since: date | None) -> int:
    """Days past due today: the first overdue day counts as one."""
    return (_today() - overdue_since).days + 1 if overdue_since else 0


def _summary_from_state(loan: Loan, state: LoanState) -> dict[str, object]:
    """The summary columns as the workflow's state says them (fresher than a row read before the step)."""
    summary = summarize(state)
    return {
        **summary_fields(loan),
        "stage": summary.stage,
        "stage_label": summary.stage.label,
        "bank_id": summary.bank_id,
        "requested_amount": summary.requested_amount,
        "max_loan": summary.max_loan,
        "approved_amount": summary.approved_amount,
        "disbursed_amount": summary.disbursed_amount,
        **(
            {
                "outstanding_principal": summary.outstanding_principal,
                "classification": summary.classification,
                "overdue_since": summary.overdue_since,
                "days_past_due": _days_since(summary.overdue_since),
            }
            if state.servicing
            else {}
        ),
    }


def loan_view(principal: Principal, loan: Loan, names: dict[str, str], state: LoanState | None = None) -> LoanView:
    """The loan as this caller's party sees it (services/api/loans/party_views), from the row or, after a step,
    from the step's `state`; `names` are the parties' names, read with the loan or before the step (no query)."""
    summary = summary_fields(loan) if state is None else _summary_from_state(loan, state)
    state = state or LoanState.model_validate(loan.state, context=TRUSTED)
    view = party_views.view_of(principal.role)
    caller = actor_of(principal)
    position = None
    if state.servicing is not None and state.stage.is_servicing and view in ("bank", "enterprise"):
        position = ledgers.position(state.servicing.ledger, max(_today(), state.servicing.ledger.accrued_to))
    disposal = None
    if loan.disposal and view == "bank":
        disposal = DisposalProgress.of(DisposalState.model_validate(loan.disposal, context=TRUSTED))
    base = summary | {
        "parties": party_views.parties(state, names, view),
        "actions": [a.value for a in available_actions(caller, state)],
    }
    return party_views.build(view, caller, state, base, position, disposal)


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
    today = _today()
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
        return ledgers.quote_prepayment(state.servicing.ledger, value_date or _today(), principal)
    except ledgers.PaymentRejected as error:
        raise StepRuleViolation(str(error)) from None
