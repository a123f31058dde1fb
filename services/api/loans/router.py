"""Routes of `/loans`: open a case, read loans, and one POST per step of the loan's workflow."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from contracts.enums import District, RiskTier, Stage
from contracts.loans import LoanUpdate
from contracts.servicing import PrepaymentQuote
from contracts.types import STORABLE
from services.api.dependencies import (
    PrincipalDep,
    RequestContextDep,
    ResourcesDep,
    SessionDep,
    TemporalDep,
    actor_of,
)
from services.api.errors import Unauthenticated, problem_responses
from services.api.loans import party_views, service, views
from services.api.loans.dependencies import LoanDep, PartyNamesDep
from services.api.loans.exceptions import (
    STEP_ERRORS,
    CannotOpenLoan,
    LoanNotFound,
    NotInYourView,
    UnknownReference,
)
from services.api.loans.schemas import (
    ApplicationRequest,
    LoanPage,
    OpenLoanRequest,
    ProposalRequest,
    ScheduleLineView,
    TimelineEntry,
)
from services.api.loans.steps import STEP_ROUTES, StepRoute
from services.api.loans.view_models import LoanView
from services.api.params import BadCursor, CursorQuery, IdFilter
from services.api.workflow_updates import SENDING_ERRORS
from services.store.loans import LoanFilter

router = APIRouter(prefix="/loans", tags=["loans"])

STEP_RESPONSES = problem_responses(Unauthenticated, LoanNotFound, *STEP_ERRORS, *SENDING_ERRORS)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LoanView,
    summary="Open a case (service-station specialist of the enterprise's district, or a bank officer)",
    responses=problem_responses(Unauthenticated, CannotOpenLoan, UnknownReference, *SENDING_ERRORS),
)
async def open_loan(
    body: OpenLoanRequest,
    session: SessionDep,
    temporal: TemporalDep,
    context: RequestContextDep,
    resources: ResourcesDep,
) -> LoanView:
    return await service.open_loan(session, temporal, context, body, resources.settings)


@router.get(
    "",
    response_model=LoanPage,
    summary="Loans you are a party to",
    responses=problem_responses(Unauthenticated, BadCursor),
)
async def list_loans(
    session: SessionDep,
    principal: PrincipalDep,
    stage: Stage | None = None,
    district: District | None = None,
    bank: IdFilter = None,
    enterprise: IdFilter = None,
    station: IdFilter = None,
    opened_from: Annotated[datetime | None, Query(description="Opened at or after (ISO 8601).")] = None,
    opened_to: Annotated[datetime | None, Query(description="Opened before (ISO 8601).")] = None,
    classification: Annotated[RiskTier | None, Query(description="Five-tier classification (watch list).")] = None,
    overdue: Annotated[bool | None, Query(description="true: only loans with an overdue line.")] = None,
    active: Annotated[
        bool | None, Query(description="true: cases still open or being repaid; false: ended ones.")
    ] = None,
    q: Annotated[
        Annotated[str, STORABLE] | None,
        Query(min_length=1, max_length=50, description="Part of the enterprise's name."),
    ] = None,
    sort: Annotated[
        Literal["opened", "activity"], Query(description="Newest opened first (default), or latest activity first.")
    ] = "opened",
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> LoanPage:
    flt = LoanFilter(
        stage=stage.value if stage else None,
        district=district.value if district else None,
        bank_id=bank,
        enterprise_id=enterprise,
        station_id=station,
        opened_from=opened_from,
        opened_to=opened_to,
        classification=classification.value if classification else None,
        overdue=overdue,
        active=active,
        search=q,
        order=sort,
    )
    return await service.list_loans(session, principal, flt, cursor, limit)


@router.get(
    "/{loan_id}",
    response_model=LoanView,
    summary="One loan: parties, stage, state and the actions you may take now",
    responses=problem_responses(Unauthenticated, LoanNotFound),
)
async def get_loan(loan: LoanDep, names: PartyNamesDep, principal: PrincipalDep) -> LoanView:
    return party_views.loan_view(principal, loan, names)


@router.get(
    "/{loan_id}/timeline",
    response_model=list[TimelineEntry],
    summary="Every step of the loan with who and when",
    responses=problem_responses(Unauthenticated, LoanNotFound),
)
async def get_timeline(loan: LoanDep, session: SessionDep, principal: PrincipalDep) -> list[TimelineEntry]:
    return await views.timeline(session, principal, loan)


@router.get(
    "/{loan_id}/schedule",
    response_model=list[ScheduleLineView],
    summary="The repayment schedule: each line with what is due, paid and outstanding, and its status today",
    responses=problem_responses(Unauthenticated, LoanNotFound, NotInYourView),
)
async def get_schedule(loan: LoanDep, session: SessionDep, principal: PrincipalDep) -> list[ScheduleLineView]:
    return await views.schedule(session, principal, loan)


@router.get(
    "/{loan_id}/prepayment-quote",
    response_model=PrepaymentQuote,
    summary="Quote an early repayment (nothing changes): what is due, accrued interest and principal",
    responses=problem_responses(Unauthenticated, LoanNotFound, NotInYourView, *STEP_ERRORS),
)
async def quote_prepayment(
    loan: LoanDep,
    caller: PrincipalDep,
    value_date: Annotated[date | None, Query(description="Value date; today (Shanghai) if omitted.")] = None,
    principal: Annotated[
        Decimal | None, Query(gt=0, max_digits=15, decimal_places=2, description="Omit to repay everything.")
    ] = None,
) -> PrepaymentQuote:
    return views.prepayment_quote(caller, loan, value_date, principal)


@router.post(
    "/{loan_id}/application",
    response_model=LoanView,
    summary="Submit the application: bank, product, amount, term and IP assets (guidance → valuation)",
    responses=problem_responses(Unauthenticated, LoanNotFound, *STEP_ERRORS, UnknownReference, *SENDING_ERRORS),
)
async def submit_application(
    loan: LoanDep,
    names: PartyNamesDep,
    body: ApplicationRequest,
    session: SessionDep,
    temporal: TemporalDep,
    context: RequestContextDep,
) -> LoanView:
    data = await service.application_input(session, context, body)
    return await service.run_step(session, temporal, context, loan, LoanUpdate.SUBMIT_APPLICATION, data, names)


@router.post(
    "/{loan_id}/proposal",
    response_model=LoanView,
    summary="Propose the terms (bank officer): amount, LPR + spread, term, repayment mode, credit support",
    responses=problem_responses(Unauthenticated, LoanNotFound, *STEP_ERRORS, UnknownReference, *SENDING_ERRORS),
)
async def propose_terms(
    loan: LoanDep,
    names: PartyNamesDep,
    body: ProposalRequest,
    session: SessionDep,
    temporal: TemporalDep,
    context: RequestContextDep,
) -> LoanView:
    data = await service.proposal_input(session, context, body)
    return await service.run_step(session, temporal, context, loan, LoanUpdate.PROPOSE_TERMS, data, names)


def _step_endpoint(step: StepRoute) -> Callable[..., Awaitable[LoanView]]:
    """The route of one row of STEP_ROUTES: its body plus who acts becomes the update's input. The body's
    annotation is the row's request model, evaluated when the function is defined (this module does not
    postpone annotations), so FastAPI reads it from the signature as written."""
    request_model = step.request

    async def endpoint(
        loan: LoanDep,
        names: PartyNamesDep,
        body: request_model,  # type: ignore[valid-type]
        session: SessionDep,
        temporal: TemporalDep,
        context: RequestContextDep,
    ) -> LoanView:
        fields = body.model_dump()  # type: ignore[attr-defined]
        data = step.input(actor=actor_of(context.principal), request_id=context.request_id, **fields)
        return await service.run_step(session, temporal, context, loan, step.update, data, names)

    endpoint.__name__ = step.update.value
    return endpoint


for _step in STEP_ROUTES:
    router.add_api_route(
        f"/{{loan_id}}/{_step.path}",
        _step_endpoint(_step),
        methods=["POST"],
        response_model=LoanView,
        summary=f"{_step.summary} ({_step.who})",
        responses=STEP_RESPONSES,
        operation_id=_step.update.value,
    )
