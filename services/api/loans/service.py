"""Rules of the loans endpoints: who sees a loan, how a case opens, how a step reaches the loan's workflow.

The API never writes a loan's process state: it asks the workflow (an Update, validated there) and reads
what the workflow's activities wrote. Step rejections come back as ApplicationErrors and map to 403/409.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WithStartWorkflowOperation, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from contracts.base import Recorded, StepInput
from contracts.enums import District, IPKind, LegalStatus, OrganisationKind, Role, Stage
from contracts.loan_state import AssetSnapshot, LoanConfig, LoanState, StepResult
from contracts.loan_steps import ProposeTermsInput, SubmitApplicationInput
from contracts.loans import LOAN_WORKFLOW_NAME, LoanUpdate, OpenLoanInput
from contracts.queues import loan_workflow_id
from contracts.types import TRUSTED
from services.api.dependencies import RequestContext, actor_of
from services.api.loans import list_rows, party_views
from services.api.loans.exceptions import (
    CannotOpenLoan,
    LoanNotFound,
    UnknownReference,
    WorkflowUnavailable,
)
from services.api.loans.schemas import (
    ApplicationRequest,
    LoanPage,
    LoanSummary,
    OpenLoanRequest,
    ProposalRequest,
)
from services.api.loans.view_models import LoanView
from services.api.params import BadCursor, make_cursor, read_cursor
from services.api.products.service import product_terms
from services.api.visibility import scope_of
from services.api.workflow_updates import StepStillRunning, WorkflowBusy, consume_outcome, send_update
from services.domain.calendar import shanghai_date
from services.domain.loan_rules import LoanAction
from services.domain.loan_rules.waiting import awaited_from
from services.platform.auth import Principal
from services.platform.settings import ApiSettings
from services.store import loans as repository
from services.store import organisations, reference, roster
from services.store.tables import Enterprise, Loan

R = TypeVar("R")


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


# Who opens cases (the console offers the form to them only; `_case_parties` refuses anybody else).
CASE_OPENERS = (Role.STATION_SPECIALIST, Role.BANK_OFFICER)


async def _case_parties(
    session: AsyncSession, principal: Principal, body: OpenLoanRequest, enterprise: Enterprise
) -> tuple[str | None, str | None]:
    """The bank and the station of a new case, from who opens it: a station specialist of the enterprise's
    district opens it for the station (a bank may be named), a bank officer for their own bank."""
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
    return bank_id, station_id


async def open_loan(
    session: AsyncSession,
    temporal: Client,
    context: RequestContext,
    body: OpenLoanRequest,
    settings: ApiSettings,
    *,
    loan_id: str | None = None,
    station_id: str | None = None,
) -> LoanView:
    """A new case. `loan_id` and `station_id` are given by a white-list push a bank accepts: the case's id derived
    from the push (two accepts of one push find one case) and the station that follows it. A case a bank opens by
    itself is followed by the station the enterprise is assigned to, if any (services/api/stations/roster)."""
    principal = context.principal
    enterprise = await reference.get_enterprise(session, body.enterprise_id)
    if enterprise is None:
        raise UnknownReference(f"There is no enterprise {body.enterprise_id!r}; register it first.")
    bank_id, opener_station = await _case_parties(session, principal, body, enterprise)
    if opener_station is None and station_id is None:  # a bank's case: the station the enterprise is assigned to
        assigned = await roster.assignment_of(session, enterprise.id)
        station_id = assigned.station_id if assigned is not None else None
    station_id = opener_station or station_id
    loan_id = loan_id or context.derived_id()
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
    opening.add_done_callback(consume_outcome)
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
    found = await repository.get_loan_with_party_names(session, loan_id)
    if found is None:
        raise LoanNotFound(loan_id)
    return party_views.loan_view(principal, *found)


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
    # The names of parties the step brings in (the application's bank and agency, the proposal's guarantor and
    # insurer) are read now, so that the answer after the step needs no second trip to the database.
    newcomers = [getattr(data, field, None) for field in ("bank_id", "valuer_id", "guarantor_id", "insurer_id")]
    missing = [org for org in newcomers if org and org not in party_names]
    names = party_names | (await organisations.names_of(session, missing) if missing else {})
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
    return party_views.loan_view(context.principal, loan, names, result.state, result.summary)


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


def _cursor(loan: Loan, order: str) -> str:
    """Where the next page starts: the last row's moment in the page's order, and its id (the order is kept in
    the cursor, so that a cursor of one order is refused by the other)."""
    moment = loan.updated_at if order == "activity" else loan.opened_at
    return make_cursor(order, moment.astimezone(UTC).isoformat(), loan.id)


def _parse_cursor(cursor: str | None, order: str) -> tuple[datetime, str] | None:
    parts = read_cursor(cursor, 3)
    if parts is None:
        return None
    if parts[0] != order:
        raise BadCursor()
    try:
        return datetime.fromisoformat(parts[1]), parts[2]
    except ValueError as error:
        raise BadCursor() from error


async def list_loans(
    session: AsyncSession, principal: Principal, flt: repository.LoanFilter, cursor: str | None, limit: int
) -> LoanPage:
    """A page of the caller's loans, each row as the caller's party may read it (the console's lists show the same)."""
    after = _parse_cursor(cursor, flt.order)
    rows = await repository.list_loans(session, flt, scope_of(principal), after=after, limit=limit + 1)
    view = party_views.view_of(principal.role)
    items = [LoanSummary(**list_rows.summary_for(view, list_rows.row_fields(row))) for row in rows[:limit]]
    next_cursor = _cursor(rows[limit - 1], flt.order) if len(rows) > limit else None
    return LoanPage(items=items, next_cursor=next_cursor)


async def awaiting(
    session: AsyncSession, principal: Principal, limit: int
) -> list[tuple[Loan, LoanState, list[LoanAction]]]:
    """The caller's open loans, latest activity first, among the `limit` newest, that wait for a step from the caller
    (services/domain/loan_rules/waiting.awaited_from), with those steps."""
    flt = repository.LoanFilter(active=True, order="activity")
    rows = await repository.list_loans(session, flt, scope_of(principal), after=None, limit=limit, with_state=True)
    actor = actor_of(principal)
    found = []
    for row in rows:
        state = LoanState.model_validate(row.state, context=TRUSTED)
        actions = awaited_from(actor, state)
        if actions:
            found.append((row, state, actions))
    return found
