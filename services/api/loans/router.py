"""Routes of `/loans`: open a case, read loans, and one POST per step of the loan's workflow."""

# No `from __future__ import annotations` here: step routes are built by a factory that sets the body type.

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from contracts.base import StepInput
from contracts.disposal import (
    ChooseDisposalMethodInput,
    DisposalListingRequest,
    DisposalMethodRequest,
    DisposalReleaseRequest,
    DisposalSaleRequest,
    DisposalUpdate,
    DisposalValuationRequest,
    ListDisposalAssetsInput,
    RecordDisposalReleaseInput,
    RecordDisposalSaleInput,
    UpdateDisposalValuationInput,
)
from contracts.enums import District, RiskTier, Stage
from contracts.loan_steps import (
    AcceptValuationInput,
    AcceptValuationRequest,
    CloseCaseInput,
    CloseCaseRequest,
    CompensationRequest,
    DecideApprovalInput,
    DecideApprovalRequest,
    DeclareDefaultInput,
    DeclareDefaultRequest,
    DeclineSignOffInput,
    DeclineSignOffRequest,
    DisburseLoanInput,
    DisburseRequest,
    DowngradeLoanInput,
    DowngradeRequest,
    ExtensionRequest,
    FileRegistrationInput,
    FileRegistrationRequest,
    FileReleaseInput,
    FileReleaseRequest,
    LogVisitInput,
    LogVisitRequest,
    PrepayLoanInput,
    PrepaymentRequest,
    QualificationReviewRequest,
    RecordCompensationInput,
    RecordExtensionInput,
    RecordRegistrationOutcomeInput,
    RecordReleaseOutcomeInput,
    RecordRepaymentInput,
    RegistrationOutcomeRequest,
    ReleaseOutcomeRequest,
    RepaymentRequest,
    ReviewQualificationInput,
    SignOffInput,
    SignOffRequest,
    SubmitValuationInput,
    SubmitValuationRequest,
    TickChecklistInput,
    TickChecklistRequest,
    WriteOffLoanInput,
    WriteOffRequest,
)
from contracts.loans import LoanUpdate
from contracts.servicing import PrepaymentQuote
from services.api.dependencies import (
    PrincipalDep,
    RequestContextDep,
    ResourcesDep,
    SessionDep,
    TemporalDep,
)
from services.api.errors import Unauthenticated, problem_responses
from services.api.loans import service
from services.api.loans.dependencies import LoanDep, PartyNamesDep
from services.api.loans.exceptions import (
    STEP_ERRORS,
    CannotOpenLoan,
    LoanNotFound,
    UnknownReference,
)
from services.api.loans.schemas import (
    ApplicationRequest,
    DisposalView,
    LoanPage,
    LoanView,
    OpenLoanRequest,
    ProposalRequest,
    ScheduleLineView,
    TimelineEntry,
)
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
    )
    return await service.list_loans(session, principal, flt, cursor, limit)


@router.get(
    "/{loan_id}",
    response_model=LoanView,
    summary="One loan: parties, stage, state and the actions you may take now",
    responses=problem_responses(Unauthenticated, LoanNotFound),
)
async def get_loan(loan: LoanDep, names: PartyNamesDep, session: SessionDep, principal: PrincipalDep) -> LoanView:
    return await service.loan_view(session, principal, loan, known_names=names)


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
    summary="The repayment schedule: each line with what is due, paid and outstanding, and its status today",
    responses=problem_responses(Unauthenticated, LoanNotFound),
)
async def get_schedule(loan: LoanDep, session: SessionDep) -> list[ScheduleLineView]:
    return await service.schedule(session, loan)


@router.get(
    "/{loan_id}/prepayment-quote",
    response_model=PrepaymentQuote,
    summary="Quote an early repayment (nothing changes): what is due, accrued interest and principal",
    responses=problem_responses(Unauthenticated, LoanNotFound, *STEP_ERRORS),
)
async def quote_prepayment(
    loan: LoanDep,
    value_date: Annotated[date | None, Query(description="Value date; today (Shanghai) if omitted.")] = None,
    principal: Annotated[
        Decimal | None, Query(gt=0, max_digits=15, decimal_places=2, description="Omit to repay everything.")
    ] = None,
) -> PrepaymentQuote:
    return service.prepayment_quote(loan, value_date, principal)


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


def _step_route(path: str, request: type[BaseModel], step: type[StepInput], update: LoanUpdate, summary: str) -> None:
    """A POST that turns its body into the workflow's input (adding who acts) and sends the update."""

    async def endpoint(
        loan: LoanDep,
        names: PartyNamesDep,
        body: Any,
        session: SessionDep,
        temporal: TemporalDep,
        context: RequestContextDep,
    ) -> LoanView:
        data = step(actor=service.actor_of(context.principal), request_id=context.request_id, **body.model_dump())
        return await service.run_step(session, temporal, context, loan, update, data, names)

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
    ReviewQualificationInput,
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
    RecordRegistrationOutcomeInput,
    LoanUpdate.RECORD_REGISTRATION_OUTCOME,
    "Record the authority's outcome: registration number and effective date, or refusal",
)
_step_route(
    "disbursement",
    DisburseRequest,
    DisburseLoanInput,
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
_step_route(
    "repayments",
    RepaymentRequest,
    RecordRepaymentInput,
    LoanUpdate.RECORD_REPAYMENT,
    "Record a repayment (bank officer): applied to penalty interest, then interest, then principal",
)
_step_route(
    "prepayments",
    PrepaymentRequest,
    PrepayLoanInput,
    LoanUpdate.PREPAY,
    "Execute an early repayment as quoted (bank officer); the remaining schedule is recomputed",
)
_step_route(
    "classification-downgrades",
    DowngradeRequest,
    DowngradeLoanInput,
    LoanUpdate.DOWNGRADE,
    "Downgrade the loan's classification by hand, with a reason (the bank)",
)
_step_route(
    "default",
    DeclareDefaultRequest,
    DeclareDefaultInput,
    LoanUpdate.DECLARE_DEFAULT,
    "Declare default (bank approver): the loan falls due at once and disposal of the pledged IP starts",
)
_step_route(
    "compensation",
    CompensationRequest,
    RecordCompensationInput,
    LoanUpdate.RECORD_COMPENSATION,
    "Record the guarantor's compensation (代偿), once asked; leaves its recourse claim on the loan",
)
_step_route(
    "releases",
    FileReleaseRequest,
    FileReleaseInput,
    LoanUpdate.FILE_RELEASE,
    "File the release of a pledge (注销) once the loan is repaid; starts its deadline",
)
_step_route(
    "release-outcomes",
    ReleaseOutcomeRequest,
    RecordReleaseOutcomeInput,
    LoanUpdate.RECORD_RELEASE_OUTCOME,
    "Record the release outcome (date and notice number, or refusal); the last release closes the loan",
)
_step_route(
    "extensions",
    ExtensionRequest,
    RecordExtensionInput,
    LoanUpdate.RECORD_EXTENSION,
    "Record the extension of a trademark pledge registration that would end before the loan",
)
_step_route(
    "write-off",
    WriteOffRequest,
    WriteOffLoanInput,
    LoanUpdate.WRITE_OFF,
    "Write off what disposal did not recover (bank approver), with a reason",
)


def _disposal_route(
    path: str, request: type[BaseModel], step: type[StepInput], update: DisposalUpdate, summary: str
) -> None:
    """A POST for one step of the loan's DisposalWorkflow."""

    async def endpoint(
        loan: LoanDep, body: Any, session: SessionDep, temporal: TemporalDep, context: RequestContextDep
    ) -> DisposalView:
        data = step(actor=service.actor_of(context.principal), request_id=context.request_id, **body.model_dump())
        return await service.run_disposal_step(session, temporal, context, loan, update, data)

    endpoint.__annotations__["body"] = request
    endpoint.__name__ = f"disposal_{update.value}"
    router.add_api_route(
        f"/{{loan_id}}/disposal/{path}",
        endpoint,
        methods=["POST"],
        response_model=DisposalView,
        summary=summary,
        responses=STEP_RESPONSES,
        operation_id=f"disposal_{update.value}",
    )


_disposal_route(
    "valuation",
    DisposalValuationRequest,
    UpdateDisposalValuationInput,
    DisposalUpdate.UPDATE_VALUATION,
    "Disposal: record the updated valuation of the pledged IP",
)
_disposal_route(
    "method",
    DisposalMethodRequest,
    ChooseDisposalMethodInput,
    DisposalUpdate.CHOOSE_METHOD,
    "Disposal: choose the method (transfer, auction, licensing)",
)
_disposal_route(
    "listing",
    DisposalListingRequest,
    ListDisposalAssetsInput,
    DisposalUpdate.LIST_ASSETS,
    "Disposal: record the listing (venue, date, asking price)",
)
_disposal_route(
    "sale",
    DisposalSaleRequest,
    RecordDisposalSaleInput,
    DisposalUpdate.RECORD_SALE,
    "Disposal: record the buyer and the proceeds",
)
_disposal_route(
    "release",
    DisposalReleaseRequest,
    RecordDisposalReleaseInput,
    DisposalUpdate.RECORD_RELEASE,
    "Disposal: record the release of the pledge on transfer; the proceeds are then applied to the debt",
)
