"""Routes of `/subsidy-rounds` and `/subsidy-claims`: rounds, filing, lists by whose turn it is, a claim, and each
step of its workflow as a row of a table (path, body, what it does, who takes it)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.responses import Response
from pydantic import BaseModel

from contracts.enums import District
from contracts.subsidy_claim import ClaimStatus, ClaimUpdate
from contracts.subsidy_policy import SubsidyKind
from services.api.dependencies import (
    PrincipalDep,
    RequestContextDep,
    ResourcesDep,
    SessionDep,
    TemporalDep,
    require_roles,
)
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.api.errors import (
    ApiError,
    Conflict,
    Forbidden,
    Unauthenticated,
    Unprocessable,
    problem_responses,
)
from services.api.loans.exceptions import STEP_ERRORS, LoanNotFound
from services.api.params import BadCursor, CursorQuery
from services.api.subsidies.exceptions import NoPolicyInForce, NothingToClaim, PolicyDateRefused
from services.api.subsidy_claims import round_steps, rounds, service, steps
from services.api.subsidy_claims.exceptions import (
    ClaimNotEligible,
    ClaimNotFound,
    ClaimOverlaps,
    FilingClosed,
    MaterialsMissing,
    RoundNotFound,
    RoundRefused,
)
from services.api.subsidy_claims.schemas import (
    AcceptRequest,
    CheckRequest,
    ClaimPage,
    ClaimView,
    ClawbackRepaidRequest,
    ConfirmRequest,
    ConfirmReviewRequest,
    FileClaimRequest,
    FundingPlan,
    Materials,
    NoticeList,
    NoticeRequest,
    ObjectionRequest,
    PaymentRequest,
    ProposeRequest,
    RejectRequest,
    ReturnRequest,
    RoundCreate,
    RoundRead,
    Turn,
)
from services.api.workflow_updates import SENDING_ERRORS
from services.store import subsidy_claims
from services.store.subsidy_tables import SubsidyClaim

router = APIRouter(tags=["subsidy claims"])

ClaimIdPath = Annotated[str, Path(pattern=r"^[a-f0-9]{24}$", max_length=24, description="a claim's id")]


@router.post(
    "/subsidy-rounds",
    status_code=status.HTTP_201_CREATED,
    response_model=RoundRead,
    summary="Open a claim round (申报批次) of a district (its reviewer, a city admin)",
    dependencies=[Depends(require_roles(*rounds.ROUND_OPENERS))],
    responses=problem_responses(Unauthenticated, Forbidden, RoundRefused, NoPolicyInForce),
)
async def open_round(body: RoundCreate, session: SessionDep, context: RequestContextDep) -> RoundRead:
    return await rounds.open_round(session, context, body)


@router.get(
    "/subsidy-rounds",
    response_model=list[RoundRead],
    summary="The districts' claim rounds, newest first",
    responses=problem_responses(Unauthenticated),
)
async def list_rounds(
    session: SessionDep, _: PrincipalDep, district: Annotated[District | None, Query()] = None
) -> list[RoundRead]:
    return await rounds.list_rounds(session, district)


RoundIdPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$", max_length=64, description="a round's id")]


@router.post(
    "/subsidy-rounds/{round_id}/notice",
    response_model=NoticeList,
    summary="公示: put the round's approved claims on public notice for the policy's working days (its reviewer)",
    responses=problem_responses(
        Unauthenticated, Forbidden, RoundNotFound, PolicyDateRefused, Conflict, *SENDING_ERRORS
    ),
)
async def publish_notice(
    round_id: RoundIdPath, body: NoticeRequest, session: SessionDep, temporal: TemporalDep, context: RequestContextDep
) -> NoticeList:
    return await round_steps.publish_notice(session, temporal, context, round_id, body)


@router.get(
    "/subsidy-rounds/{round_id}/notice",
    response_model=NoticeList,
    summary="A round's public notice list (public: any signed-in caller)",
    responses=problem_responses(Unauthenticated, RoundNotFound),
)
async def notice_list(round_id: RoundIdPath, session: SessionDep, _: PrincipalDep) -> NoticeList:
    return await round_steps.notice_list(session, round_id)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/subsidy-rounds/{round_id}/notice.xlsx",
    response_class=Response,
    summary="A round's public notice list as a workbook",
    responses={
        200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(Unauthenticated, RoundNotFound),
    },
)
async def notice_workbook(round_id: RoundIdPath, session: SessionDep, _: PrincipalDep) -> Response:
    notice = await round_steps.notice_list(session, round_id)
    return Response(
        round_steps.notice_workbook(notice),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="notice-{round_id}.xlsx"'},
    )


@router.post(
    "/subsidy-rounds/{round_id}/funding-plan",
    response_model=FundingPlan,
    summary="拨付计划: the noticed claims' amounts, cut pro rata when the year's budget is short (its reviewer)",
    responses=problem_responses(Unauthenticated, Forbidden, RoundNotFound, Conflict, *SENDING_ERRORS),
)
async def funding_plan(
    round_id: RoundIdPath, session: SessionDep, temporal: TemporalDep, context: RequestContextDep
) -> FundingPlan:
    return await round_steps.issue_funding_plan(session, temporal, context, round_id)


@router.post(
    "/subsidy-claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimView,
    summary="File a subsidy claim (申报) into a round — a loan's interest or fees, a bank's support for its IP pledge "
    "loans in the district, or a securitisation: its materials and amount are checked",
    responses=problem_responses(
        Unauthenticated,
        Forbidden,
        Unprocessable,
        LoanNotFound,
        EnterpriseNotFound,
        RoundNotFound,
        FilingClosed,
        NoPolicyInForce,
        NothingToClaim,
        PolicyDateRefused,
        MaterialsMissing,
        ClaimNotEligible,
        ClaimOverlaps,
        *SENDING_ERRORS,
    ),
)
async def file_claim(
    body: FileClaimRequest,
    session: SessionDep,
    temporal: TemporalDep,
    context: RequestContextDep,
    resources: ResourcesDep,
) -> ClaimView:
    return await service.file_claim(session, temporal, context, resources.settings, body)


@router.get(
    "/subsidy-claims",
    response_model=ClaimPage,
    summary="The claims you may see, latest activity first; by whose turn it is (`turn`), district, kind, status",
    responses=problem_responses(Unauthenticated, BadCursor),
)
async def list_claims(
    session: SessionDep,
    principal: PrincipalDep,
    district: Annotated[District | None, Query()] = None,
    kind: Annotated[SubsidyKind | None, Query()] = None,
    claim_status: Annotated[ClaimStatus | None, Query(alias="status")] = None,
    round_id: Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    turn: Annotated[
        Turn | None, Query(description="mine: waiting for you; filer: for the enterprise; reviewer")
    ] = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> ClaimPage:
    flt = subsidy_claims.ClaimFilter(
        district=district.value if district else None,
        kind=kind.value if kind else None,
        status=claim_status.value if claim_status else None,
        round_id=round_id,
        year=year,
    )
    return await service.list_claims(session, principal, flt, turn, cursor, limit)


async def get_visible_claim(claim_id: ClaimIdPath, session: SessionDep, principal: PrincipalDep) -> SubsidyClaim:
    return await service.visible_claim(session, principal, claim_id)


ClaimDep = Annotated[SubsidyClaim, Depends(get_visible_claim)]


@router.get(
    "/subsidy-claims/{claim_id}",
    response_model=ClaimView,
    summary="A claim: the policy version applied, the computation line by line, its materials, the timeline and "
    "the steps you may take now",
    responses=problem_responses(Unauthenticated, ClaimNotFound),
)
async def get_claim(claim: ClaimDep, session: SessionDep, principal: PrincipalDep) -> ClaimView:
    return await service.claim_view(session, principal, claim)


@dataclass(frozen=True)
class ClaimRoute:
    path: str
    update: ClaimUpdate
    request: type[BaseModel]
    run: Callable[..., Awaitable[ClaimView]]
    who: str
    summary: str


CLAIM_ROUTES: tuple[ClaimRoute, ...] = (
    ClaimRoute(
        "confirmation",
        ClaimUpdate.CONFIRM,
        ConfirmRequest,
        steps.confirm,
        "the enterprise or its specialist",
        "意愿确认: confirm a claim pledgeflow drafted (免申即享)",
    ),
    ClaimRoute(
        "acceptance",
        ClaimUpdate.ACCEPT,
        AcceptRequest,
        steps.accept,
        "a reviewer of the district",
        "受理: accept the claim for review",
    ),
    ClaimRoute(
        "return",
        ClaimUpdate.RETURN,
        ReturnRequest,
        steps.send_back,
        "a reviewer of the district",
        "补正: return the claim for correction, with the reason and the materials to fix",
    ),
    ClaimRoute(
        "correction",
        ClaimUpdate.CORRECT,
        Materials,
        steps.correct,
        "the enterprise or its specialist",
        "Correct a returned claim: a new revision, checked and computed again (earlier ones are kept)",
    ),
    ClaimRoute(
        "review",
        ClaimUpdate.PROPOSE,
        ProposeRequest,
        steps.propose,
        "a reviewer of the district",
        "审核: propose the amount (at most what the policy yields; below it with a reason)",
    ),
    ClaimRoute(
        "review-confirmation",
        ClaimUpdate.CONFIRM_REVIEW,
        ConfirmReviewRequest,
        steps.confirm_review,
        "another reviewer of the district",
        "Four eyes: a second reviewer confirms the proposed amount, or sends it back with a reason",
    ),
    ClaimRoute(
        "rejection",
        ClaimUpdate.REJECT,
        RejectRequest,
        steps.reject,
        "a reviewer of the district",
        "Reject the claim, with the reason",
    ),
    ClaimRoute(
        "objection",
        ClaimUpdate.RECORD_OBJECTION,
        ObjectionRequest,
        steps.record_objection,
        "a reviewer of the district",
        "Record a written, named objection received during the notice: the claim goes back to review",
    ),
    ClaimRoute(
        "payment",
        ClaimUpdate.RECORD_PAYMENT,
        PaymentRequest,
        steps.record_payment,
        "a reviewer of the district",
        "拨付: record the payment (at most the amount in the funding plan), its date and voucher",
    ),
    ClaimRoute(
        "supervision-check",
        ClaimUpdate.RECORD_CHECK,
        CheckRequest,
        steps.record_check,
        "a reviewer of the district",
        "跟踪监管: record a follow-up check's finding: fine (the next check next quarter end, or closed) or a "
        "clawback with amount and deadline",
    ),
    ClaimRoute(
        "clawback-repayment",
        ClaimUpdate.RECORD_CLAWBACK_REPAID,
        ClawbackRepaidRequest,
        steps.record_clawback_repaid,
        "a reviewer of the district",
        "Record that the ordered clawback was repaid: the claim is closed",
    ),
)


def _endpoint(step: ClaimRoute) -> Callable[..., Awaitable[ClaimView]]:
    """The route of one row: the body's annotation is the row's model, evaluated when the function is defined
    (this module does not postpone annotations), so FastAPI reads it from the signature as written."""
    request_model = step.request

    async def endpoint(
        claim: ClaimDep,
        body: request_model,  # type: ignore[valid-type]
        session: SessionDep,
        temporal: TemporalDep,
        context: RequestContextDep,
    ) -> ClaimView:
        return await step.run(session, temporal, context, claim, body)

    endpoint.__name__ = f"claim_{step.path.replace('-', '_')}"
    return endpoint


_STEP_PROBLEMS: tuple[type[ApiError], ...] = (
    Unauthenticated,
    ClaimNotFound,
    Unprocessable,
    *STEP_ERRORS,
    *SENDING_ERRORS,
)
# What a step computed again may answer (the correction, the review's proposal).
_RECOMPUTED: tuple[type[ApiError], ...] = (
    MaterialsMissing,
    ClaimNotEligible,
    ClaimOverlaps,
    PolicyDateRefused,
    NothingToClaim,
    LoanNotFound,
    Unprocessable,
)

for _step in CLAIM_ROUTES:
    router.add_api_route(
        f"/subsidy-claims/{{claim_id}}/{_step.path}",
        _endpoint(_step),
        methods=["POST"],
        response_model=ClaimView,
        summary=f"{_step.summary} ({_step.who})",
        responses=problem_responses(*_STEP_PROBLEMS, *(_RECOMPUTED if _step.path in ("correction", "review") else ())),
    )
