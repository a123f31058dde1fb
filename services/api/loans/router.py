"""Routes of `/loans`: open a case, read loans, and one POST per step of the loan's workflow."""

# No `from __future__ import annotations` here: step routes are built by a factory that sets the body type.

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from contracts.enums import District, Stage
from contracts.loans import (
    AcceptValuationInput,
    AcceptValuationRequest,
    CloseCaseInput,
    CloseCaseRequest,
    DecideApprovalInput,
    DecideApprovalRequest,
    DeclineSignOffInput,
    DeclineSignOffRequest,
    DisburseInput,
    DisburseRequest,
    FileRegistrationInput,
    FileRegistrationRequest,
    LoanUpdate,
    LogVisitInput,
    LogVisitRequest,
    QualificationReviewInput,
    QualificationReviewRequest,
    RegistrationOutcomeInput,
    RegistrationOutcomeRequest,
    SignOffInput,
    SignOffRequest,
    StepInput,
    SubmitValuationInput,
    SubmitValuationRequest,
    TickChecklistInput,
    TickChecklistRequest,
)
from services.api.dependencies import (
    PrincipalDep,
    RequestContextDep,
    ResourcesDep,
    SessionDep,
    TemporalDep,
)
from services.api.errors import Unauthenticated, problem_responses
from services.api.loans import service
from services.api.loans.dependencies import LoanDep
from services.api.loans.exceptions import (
    STEP_ERRORS,
    CannotOpenLoan,
    LoanNotFound,
    UnknownReference,
    WorkflowUnavailable,
)
from services.api.loans.schemas import (
    ApplicationRequest,
    LoanPage,
    LoanView,
    OpenLoanRequest,
    ProposalRequest,
    ScheduleLineView,
    TimelineEntry,
)
from services.store.loans import LoanFilter

router = APIRouter(prefix="/loans", tags=["loans"])

STEP_RESPONSES = problem_responses(Unauthenticated, LoanNotFound, *STEP_ERRORS, WorkflowUnavailable)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LoanView,
    summary="Open a case (service-station specialist of the enterprise's district, or a bank officer)",
    responses=problem_responses(Unauthenticated, CannotOpenLoan, UnknownReference, WorkflowUnavailable),
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
    "", response_model=LoanPage, summary="Loans you are a party to", responses=problem_responses(Unauthenticated)
)
async def list_loans(
    session: SessionDep,
    principal: PrincipalDep,
    stage: Stage | None = None,
    district: District | None = None,
    bank: Annotated[str | None, Query(max_length=64)] = None,
    enterprise: Annotated[str | None, Query(max_length=64)] = None,
    station: Annotated[str | None, Query(max_length=64)] = None,
    opened_from: Annotated[datetime | None, Query(description="Opened at or after (ISO 8601).")] = None,
    opened_to: Annotated[datetime | None, Query(description="Opened before (ISO 8601).")] = None,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
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
    )
    return await service.list_loans(session, principal, flt, cursor, limit)


@router.get(
    "/{loan_id}",
    response_model=LoanView,
    summary="One loan: parties, stage, state and the actions you may take now",
    responses=problem_responses(Unauthenticated, LoanNotFound),
)
async def get_loan(loan: LoanDep, session: SessionDep, principal: PrincipalDep) -> LoanView:
    return await service.loan_view(session, principal, loan)


@router.get(
    "/{loan_id}/timeline",
    response_model=list[TimelineEntry],
    summary="Every step of the loan with who and when",
    responses=problem_responses(Unauthenticated, LoanNotFound),
)
async def get_timeline(loan: LoanDep, session: SessionDep) -> list[TimelineEntry]:
    return await service.timeline(session, loan)


@router.get(
    "/{loan_id}/schedule",
    response_model=list[ScheduleLineView],
    summary="The repayment schedule generated at disbursement",
    responses=problem_responses(Unauthenticated, LoanNotFound),
)
async def get_schedule(loan: LoanDep, session: SessionDep) -> list[ScheduleLineView]:
    return await service.schedule(session, loan)


@router.post(
    "/{loan_id}/application",
    response_model=LoanView,
    summary="Submit the application: bank, product, amount, term and IP assets (guidance → valuation)",
    responses=problem_responses(Unauthenticated, LoanNotFound, *STEP_ERRORS, UnknownReference, WorkflowUnavailable),
)
async def submit_application(
    loan: LoanDep, body: ApplicationRequest, session: SessionDep, temporal: TemporalDep, context: RequestContextDep
) -> LoanView:
    data = await service.application_input(session, context, body)
    return await service.run_step(session, temporal, context, loan, LoanUpdate.SUBMIT_APPLICATION, data)


@router.post(
    "/{loan_id}/proposal",
    response_model=LoanView,
    summary="Propose the terms (bank officer): amount, LPR + spread, term, repayment mode, credit support",
    responses=problem_responses(Unauthenticated, LoanNotFound, *STEP_ERRORS, UnknownReference, WorkflowUnavailable),
)
async def propose_terms(
    loan: LoanDep, body: ProposalRequest, session: SessionDep, temporal: TemporalDep, context: RequestContextDep
) -> LoanView:
    data = await service.proposal_input(session, context, body)
    return await service.run_step(session, temporal, context, loan, LoanUpdate.PROPOSE_TERMS, data)


def _step_route(path: str, request: type[BaseModel], step: type[StepInput], update: LoanUpdate, summary: str) -> None:
    """A POST that turns its body into the workflow's input (adding who acts) and sends the update."""

    async def endpoint(
        loan: LoanDep, body: Any, session: SessionDep, temporal: TemporalDep, context: RequestContextDep
    ) -> LoanView:
        data = step(actor=service.actor_of(context.principal), request_id=context.request_id, **body.model_dump())
        return await service.run_step(session, temporal, context, loan, update, data)

    endpoint.__annotations__["body"] = request
    endpoint.__name__ = update.value
    router.add_api_route(
        f"/{{loan_id}}/{path}",
        endpoint,
        methods=["POST"],
        response_model=LoanView,
        summary=summary,
        responses=STEP_RESPONSES,
        operation_id=update.value,
    )


_step_route(
    "visits",
    LogVisitRequest,
    LogVisitInput,
    LoanUpdate.LOG_VISIT,
    "Log a door-to-door visit (station specialist or bank officer)",
)
_step_route(
    "checklist",
    TickChecklistRequest,
    TickChecklistInput,
    LoanUpdate.TICK_CHECKLIST,
    "Tick an item of the guidance checklist",
)
_step_route(
    "qualification-review",
    QualificationReviewRequest,
    QualificationReviewInput,
    LoanUpdate.REVIEW_QUALIFICATION,
    "Record the qualification review (资质审查)",
)
_step_route(
    "valuations",
    SubmitValuationRequest,
    SubmitValuationInput,
    LoanUpdate.SUBMIT_VALUATION,
    "Submit a valuation report for one pledged asset (valuer, or the bank in-house)",
)
_step_route(
    "valuation-acceptance",
    AcceptValuationRequest,
    AcceptValuationInput,
    LoanUpdate.ACCEPT_VALUATION,
    "Accept the valuation (bank officer): sets the maximum loan (valuation → approval)",
)
_step_route(
    "approval-decision",
    DecideApprovalRequest,
    DecideApprovalInput,
    LoanUpdate.DECIDE_APPROVAL,
    "Approve or reject the proposed terms (bank approver, not the proposer)",
)
_step_route(
    "sign-offs",
    SignOffRequest,
    SignOffInput,
    LoanUpdate.SIGN_OFF,
    "Sign off the guarantee or insurance named in the approved terms",
)
_step_route(
    "sign-off-declines",
    DeclineSignOffRequest,
    DeclineSignOffInput,
    LoanUpdate.DECLINE_SIGN_OFF,
    "Decline the guarantee or insurance (the loan goes back to approval)",
)
_step_route(
    "registrations",
    FileRegistrationRequest,
    FileRegistrationInput,
    LoanUpdate.FILE_REGISTRATION,
    "File the pledge registration of one asset (bank officer); starts its deadline",
)
_step_route(
    "registration-outcomes",
    RegistrationOutcomeRequest,
    RegistrationOutcomeInput,
    LoanUpdate.RECORD_REGISTRATION_OUTCOME,
    "Record the authority's outcome: registration number and effective date, or refusal",
)
_step_route(
    "disbursement",
    DisburseRequest,
    DisburseInput,
    LoanUpdate.DISBURSE,
    "Disburse (bank officer): generates the repayment schedule (disbursement → servicing)",
)
_step_route(
    "withdrawal",
    CloseCaseRequest,
    CloseCaseInput,
    LoanUpdate.WITHDRAW,
    "Withdraw the case before disbursement (frees its assets)",
)
_step_route("rejection", CloseCaseRequest, CloseCaseInput, LoanUpdate.REJECT, "Reject the loan before disbursement")
