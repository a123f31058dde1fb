"""Rules of the loans endpoints: who sees a loan, how a case opens, how a step reaches the loan's workflow.

The API never writes a loan's process state: it asks the workflow (an Update, validated there) and reads
what the workflow's activities wrote. Step rejections come back as ApplicationErrors and map to 403/409.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from contracts.base import Actor, Recorded, StepInput
from contracts.disposal import DisposalState
from contracts.enums import District, IPKind, LegalStatus, OrganisationKind, RiskTier, Role, Stage
from contracts.loan_state import AssetSnapshot, LoanConfig, LoanState, StepResult
from contracts.loan_steps import ProposeTermsInput, SubmitApplicationInput
from contracts.loans import LOAN_WORKFLOW_NAME, LoanUpdate, OpenLoanInput
from contracts.queues import loan_workflow_id
from contracts.servicing import PrepaymentQuote
from contracts.types import TRUSTED
from services.api.dependencies import RequestContext
from services.api.loans.exceptions import (
    CannotOpenLoan,
    LoanNotFound,
    StepRuleViolation,
    StepWrongStage,
    UnknownReference,
    WorkflowUnavailable,
)
from services.api.loans.schemas import (
    ApplicationRequest,
    LoanPage,
    LoanSummary,
    LoanView,
    OpenLoanRequest,
    Party,
    ProposalRequest,
    ScheduleLineView,
    TimelineEntry,
)
from services.api.params import BadCursor, make_cursor, read_cursor
from services.api.products.service import product_terms
from services.api.workflow_updates import StepStillRunning, WorkflowBusy, send_update
from services.domain import servicing as ledgers
from services.domain.calendar import shanghai_date
from services.domain.loan_rules import available_actions
from services.platform.auth import Principal
from services.platform.settings import ApiSettings
from services.store import loans as repository
from services.store import organisations, reference
from services.store.tables import Loan, ScheduleLine

R = TypeVar("R")


def actor_of(principal: Principal) -> Actor:
    return Actor(sub=principal.sub, role=principal.role, org_id=principal.org_id, district=principal.district)


def can_see(principal: Principal, loan: Loan) -> bool:
    """A caller sees a loan where its organisation is a party (or its district, for district roles)."""
    role, org = principal.role, principal.org_id
    if role in (Role.PLATFORM_ADMIN, Role.CITY_ADMIN):
        return True
    if role is Role.DISTRICT_REVIEWER:
        return principal.district is not None and loan.district == principal.district.value
    if role is Role.STATION_SPECIALIST:
        return loan.station_id == org or (principal.district is not None and loan.district == principal.district.value)
    parties = {
        Role.ENTERPRISE: loan.enterprise_id,
        Role.BANK_OFFICER: loan.bank_id,
        Role.BANK_APPROVER: loan.bank_id,
        Role.GUARANTOR: loan.guarantor_id,
        Role.INSURER: loan.insurer_id,
        Role.VALUER: loan.valuer_id,
    }
    return parties.get(role) == org


def _visibility(principal: Principal) -> tuple[str | None, str | None]:
    """(organisation, district) a caller's list is limited to; (None, None) for city-wide roles."""
    if principal.role in (Role.PLATFORM_ADMIN, Role.CITY_ADMIN):
        return None, None
    district = principal.district.value if principal.district else None
    if principal.role is Role.DISTRICT_REVIEWER:
        return None, district or "-"
    if principal.role is Role.STATION_SPECIALIST:
        return principal.org_id, district
    return principal.org_id, None


def _summary_fields(loan: Loan) -> dict[str, object]:
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
    approved = state.proposal.amount if state.proposal and state.decision and state.decision.approved else None
    return {
        **_summary_fields(loan),
        "stage": state.stage,
        "stage_label": state.stage.label,
        "bank_id": state.bank_id,
        "requested_amount": state.application.requested_amount if state.application else None,
        "max_loan": state.max_loan,
        "approved_amount": approved,
        "disbursed_amount": state.disbursement.amount if state.disbursement else None,
        **(
            {
                "outstanding_principal": state.servicing.ledger.outstanding_principal,
                "classification": state.servicing.tier,
                "overdue_since": state.servicing.overdue_since,
                "days_past_due": _days_since(state.servicing.overdue_since),
            }
            if state.servicing
            else {}
        ),
    }


async def loan_view(
    session: AsyncSession,
    principal: Principal,
    loan: Loan,
    state: LoanState | None = None,
    known_names: dict[str, str] | None = None,
) -> LoanView:
    """The loan for this caller; `state` (a step's result) spares reading the row again, `known_names` (party
    names read before the step) the names query unless the step added a party."""
    summary = _summary_fields(loan) if state is None else _summary_from_state(loan, state)
    state = state or LoanState.model_validate(loan.state, context=TRUSTED)
    roles = {
        "bank": state.bank_id,
        "station": state.station_id,
        "valuer": state.application.valuer_id if state.application else None,
        "guarantor": state.proposal.guarantor_id if state.proposal else None,
        "insurer": state.proposal.insurer_id if state.proposal else None,
    }
    names = dict(known_names or {})
    missing = [org for org in roles.values() if org and org not in names]
    if missing:
        names |= await organisations.names_of(session, missing)
    parties = {"enterprise": Party(id=state.enterprise_id, name=state.enterprise_name)}
    parties |= {label: Party(id=org, name=names.get(org)) for label, org in roles.items() if org}
    actions = [a.value for a in available_actions(actor_of(principal), state)]
    position = None
    if state.servicing is not None and state.stage.is_servicing:
        position = ledgers.position(state.servicing.ledger, max(_today(), state.servicing.ledger.accrued_to))
    disposal = DisposalState.model_validate(loan.disposal, context=TRUSTED) if loan.disposal else None
    return LoanView(**summary, parties=parties, actions=actions, position=position, state=state, disposal=disposal)


async def reload(session: AsyncSession, loan_id: str) -> Loan:
    loan = await repository.get_loan(session, loan_id)
    if loan is None:
        raise LoanNotFound(loan_id)
    return loan


def _consume(done: asyncio.Future[Any]) -> None:
    """Read the outcome of a call left to finish by itself, so that its error is not reported as unread."""
    if not done.cancelled():
        done.exception()


def loan_config(settings: ApiSettings) -> LoanConfig:
    """Per-loan settings fixed when a case opens (reminder and registration deadlines)."""
    config = LoanConfig(
        reminder_working_days=settings.loan_reminder_working_days,
        backdating_days=settings.backdating_days,
        persist_give_up_seconds=settings.persist_give_up_seconds,
    )
    if settings.registration_working_days:
        config.registration_working_days.update(settings.registration_working_days)
    return config


def _derived_loan_id(context: RequestContext) -> str:
    if context.idempotency_key is None:
        return uuid.uuid4().hex[:16]
    return hashlib.sha256(f"{context.principal.caller_key}\n{context.idempotency_key}".encode()).hexdigest()[:16]


async def open_loan(
    session: AsyncSession,
    temporal: Client,
    context: RequestContext,
    body: OpenLoanRequest,
    settings: ApiSettings,
) -> LoanView:
    principal = context.principal
    enterprise = await reference.get_enterprise(session, body.enterprise_id)
    if enterprise is None:
        raise UnknownReference(f"There is no enterprise {body.enterprise_id!r}; register it first.")
    station_id: str | None = None
    bank_id = body.bank_id
    if principal.role is Role.STATION_SPECIALIST:
        if principal.district is None or principal.district.value != enterprise.district:
            raise CannotOpenLoan(
                f"{enterprise.name} is in {District(enterprise.district).label}; your station serves "
                f"{principal.district.label if principal.district else 'no district'}."
            )
        station_id = principal.org_id
    elif principal.role is Role.BANK_OFFICER:
        if bank_id not in (None, principal.org_id):
            raise CannotOpenLoan("A bank opens cases for itself; leave bank_id empty or give your own bank's id.")
        bank_id = principal.org_id
    else:
        raise CannotOpenLoan(f"Cases are opened by a station specialist or a bank officer, not {principal.role.value}.")
    if bank_id is not None:
        bank = await organisations.get_organisation(session, bank_id)
        if bank is None or bank.kind != OrganisationKind.BANK:
            raise UnknownReference(f"There is no bank {bank_id!r}.")
    loan_id = _derived_loan_id(context)
    actor = actor_of(principal)
    await session.commit()  # release the connection while the workflow starts (see run_step)
    start: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
        LOAN_WORKFLOW_NAME,
        OpenLoanInput(
            loan_id=loan_id,
            enterprise_id=enterprise.id,
            enterprise_name=enterprise.name,
            district=District(enterprise.district),
            bank_id=bank_id,
            station_id=station_id,
            opened=Recorded(by=actor, at=datetime.now(UTC), request_id=context.request_id),
            note=body.note,
            config=loan_config(settings),
        ),
        id=loan_workflow_id(loan_id),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        # A retry after the case ended (its key swept) must not start the loan again.
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
    )
    opening = asyncio.ensure_future(
        temporal.execute_update_with_start_workflow(
            LoanUpdate.OPENED.value,
            StepInput(actor=actor, request_id=context.request_id),
            start_workflow_operation=start,
            result_type=StepResult,
        )
    )
    opening.add_done_callback(_consume)
    try:
        # Shielded: cancelling update-with-start half-way leaves the SDK's inner futures unread; past the bound
        # the opening goes on by itself (the retry with the same key finds the case open).
        await asyncio.wait_for(asyncio.shield(opening), context.step_timeout)
    except WorkflowAlreadyStartedError:
        pass  # the case was opened by an earlier attempt with this key and has ended since: answer with it
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise StepStillRunning(
            "The case is still being opened; send the same request again with the same Idempotency-Key."
        ) from None
    except RPCError as error:
        if error.status is RPCStatusCode.FAILED_PRECONDITION:
            raise WorkflowBusy("The case is catching up after a restart; send the same request again.") from None
        raise WorkflowUnavailable("The loan could not be opened right now; nothing was created. Try again.") from error
    return await loan_view(session, principal, await reload(session, loan_id))


async def run_step(
    session: AsyncSession,
    temporal: Client,
    context: RequestContext,
    loan: Loan,
    update: LoanUpdate,
    data: StepInput,
    party_names: dict[str, str],
) -> LoanView:
    """Send one step to the loan's workflow and answer with the loan as the step left it.

    `party_names` were read with the loan, so answering after the step needs no second trip to the database
    (unless the step brought in a new party)."""
    # Hand the pooled connection back while the workflow works: nothing is written here, and a request that
    # held a connection through the update would starve the pool under load.
    await session.commit()
    result = await send_update(
        temporal,
        context,
        loan_workflow_id(loan.id),
        update.value,
        data,
        StepResult,
        closed=lambda: _closed_detail(session, loan.id),
        what="loan",
    )
    return await loan_view(session, context.principal, loan, result.state, party_names)


async def _closed_detail(session: AsyncSession, loan_id: str) -> str:
    """Why no step can be taken on a loan whose workflow has ended, from what the loan now is."""
    loan = await repository.get_loan(session, loan_id)
    stage = Stage(loan.stage) if loan is not None else None
    if stage is not None and stage.is_terminal:
        return f"The loan is closed; current stage: {stage.value} ({stage.label}). No more steps can be taken on it."
    return "The loan's workflow has ended; no more steps can be taken on it. Contact support with the request id."


async def application_input(
    session: AsyncSession, context: RequestContext, body: ApplicationRequest
) -> SubmitApplicationInput:
    product = await reference.get_product(session, body.product_id)
    if product is None or product.bank_id != body.bank_id:
        raise UnknownReference(f"Bank {body.bank_id!r} has no product {body.product_id!r}.")
    assets = await reference.get_assets(session, body.asset_ids)
    missing = sorted(set(body.asset_ids) - {a.id for a in assets})
    if missing:
        raise UnknownReference(f"No IP asset with id {', '.join(missing)}.")
    if body.valuer_id is not None:
        valuer = await organisations.get_organisation(session, body.valuer_id)
        if valuer is None or valuer.kind != OrganisationKind.APPRAISAL_AGENCY:
            raise UnknownReference(f"There is no appraisal agency {body.valuer_id!r}.")
    return SubmitApplicationInput(
        actor=actor_of(context.principal),
        request_id=context.request_id,
        bank_id=body.bank_id,
        product=product_terms(product),
        requested_amount=body.requested_amount,
        requested_term_months=body.requested_term_months,
        assets=[
            AssetSnapshot(
                id=a.id,
                kind=IPKind(a.kind),
                number=a.number,
                title=a.title,
                owner_enterprise_id=a.owner_enterprise_id,
                co_owners=a.co_owners,
                expiry_date=a.expiry_date,
                legal_status=LegalStatus(a.legal_status),
                fees_paid=a.fees_paid,
            )
            for a in sorted(assets, key=lambda a: body.asset_ids.index(a.id))
        ],
        valuer_id=body.valuer_id,
    )


async def proposal_input(session: AsyncSession, context: RequestContext, body: ProposalRequest) -> ProposeTermsInput:
    today = shanghai_date(datetime.now(UTC))
    lpr = await reference.lpr_on(session, today)
    if lpr is None:
        raise UnknownReference(f"No LPR is recorded for {today}; a platform admin must add it first.")
    for org_id, kind in (
        (body.guarantor_id, OrganisationKind.GUARANTEE_COMPANY),
        (body.insurer_id, OrganisationKind.INSURER),
    ):
        if org_id is not None:
            organisation = await organisations.get_organisation(session, org_id)
            if organisation is None or organisation.kind != kind:
                raise UnknownReference(f"There is no {kind.label} with id {org_id!r}.")
    return ProposeTermsInput(
        actor=actor_of(context.principal),
        request_id=context.request_id,
        lpr_percent=lpr.one_year_percent,
        lpr_date=lpr.effective_date,
        **body.model_dump(),
    )


def _cursor(loan: Loan) -> str:
    return make_cursor(loan.opened_at.astimezone(UTC).isoformat(), loan.id)


def _parse_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    parts = read_cursor(cursor, 2)
    if parts is None:
        return None
    try:
        return datetime.fromisoformat(parts[0]), parts[1]
    except ValueError as error:
        raise BadCursor() from error


async def list_loans(
    session: AsyncSession, principal: Principal, flt: repository.LoanFilter, cursor: str | None, limit: int
) -> LoanPage:
    org, district = _visibility(principal)
    flt = repository.LoanFilter(**{**flt.__dict__, "visible_to_org": org, "visible_to_district": district})
    rows = await repository.list_loans(session, flt, after=_parse_cursor(cursor), limit=limit + 1)
    items = [LoanSummary(**_summary_fields(row)) for row in rows[:limit]]
    return LoanPage(items=items, next_cursor=_cursor(rows[limit - 1]) if len(rows) > limit else None)


async def timeline(session: AsyncSession, loan: Loan) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            seq=e.seq,
            kind=e.kind,
            stage=Stage(e.stage),
            summary=e.summary,
            by=e.actor_sub,
            role=e.actor_role,
            organisation=e.actor_org,
            at=e.occurred_at,
            request_id=e.request_id,
        )
        for e in await repository.list_events(session, loan.id)
    ]


def _line_status(line: ScheduleLine, today: date) -> Literal["paid", "partly_paid", "due", "overdue", "upcoming"]:
    total, paid = line.principal + line.interest, line.paid_principal + line.paid_interest
    if paid >= total:
        return "paid"
    if line.due_date < today:
        return "overdue"
    if line.due_date == today:
        return "due"
    return "partly_paid" if paid > 0 else "upcoming"


async def schedule(session: AsyncSession, loan: Loan) -> list[ScheduleLineView]:
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


def prepayment_quote(loan: Loan, value_date: date | None, principal: Decimal | None) -> PrepaymentQuote:
    """What an early repayment would cost (from the loan's last recorded state); nothing changes."""
    state = LoanState.model_validate(loan.state, context=TRUSTED)
    if state.servicing is None or state.stage is not Stage.SERVICING:
        raise StepWrongStage(
            f"Early repayment is possible while the loan is being repaid; current stage: {loan.stage}."
        )
    try:
        return ledgers.quote_prepayment(state.servicing.ledger, value_date or _today(), principal)
    except ledgers.PaymentRejected as error:
        raise StepRuleViolation(str(error)) from None
