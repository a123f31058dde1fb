"""Routes of `/whitelist/pushes`: push listed enterprises to the district's banks, the lists (a bank's own, a
district's), a bank's answer, and each bank's conversion from push to disbursed loan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from contracts.enums import District
from contracts.whitelist_push import PushStatus
from services.api.dependencies import PrincipalDep, RequestContextDep, ResourcesDep, SessionDep, TemporalDep
from services.api.errors import Conflict, Forbidden, Unauthenticated, Unprocessable, problem_responses
from services.api.loans.exceptions import STEP_ERRORS, CannotOpenLoan, UnknownReference
from services.api.params import IdPath
from services.api.whitelist import pushes
from services.api.whitelist.schemas import AnswerRequest, ConversionRow, PushRequest, PushView
from services.api.workflow_updates import SENDING_ERRORS

router = APIRouter(tags=["whitelist"])


@router.post(
    "/whitelist/pushes",
    status_code=status.HTTP_201_CREATED,
    response_model=list[PushView],
    summary="Push listed enterprises to banks of the district (one push each; one already waiting is kept)",
    responses=problem_responses(Unauthenticated, Forbidden, Unprocessable, pushes.NotOnTheList, *SENDING_ERRORS),
)
async def push(
    body: PushRequest, session: SessionDep, temporal: TemporalDep, context: RequestContextDep, resources: ResourcesDep
) -> list[PushView]:
    return await pushes.push(session, temporal, context, resources.settings, body)


@router.get(
    "/whitelist/pushes",
    response_model=list[PushView],
    summary="Pushes: a bank's own (waiting for its answer first), or a district's",
    responses=problem_responses(Unauthenticated, Forbidden),
)
async def list_pushes(
    session: SessionDep,
    principal: PrincipalDep,
    district: Annotated[District | None, Query()] = None,
    status_: Annotated[PushStatus | None, Query(alias="status")] = None,
) -> list[PushView]:
    return await pushes.list_pushes(session, principal, district, status_)


@router.get(
    "/whitelist/pushes/conversion",
    response_model=list[ConversionRow],
    summary="Per bank: pushes, answers, and the cases that reached disbursement",
    responses=problem_responses(Unauthenticated, Forbidden),
)
async def conversion(
    session: SessionDep, principal: PrincipalDep, district: Annotated[District | None, Query()] = None
) -> list[ConversionRow]:
    return await pushes.conversion(session, principal, district)


@router.get(
    "/whitelist/pushes/{push_id}",
    response_model=PushView,
    summary="A push",
    responses=problem_responses(Unauthenticated, pushes.PushNotFound),
)
async def get_push(push_id: IdPath, session: SessionDep, principal: PrincipalDep) -> PushView:
    return pushes.view_of(await pushes.visible_push(session, principal, push_id))


@router.post(
    "/whitelist/pushes/{push_id}/answer",
    response_model=PushView,
    summary="The bank's answer: accept (a case opens for the enterprise, the district's station following it) or "
    "decline with the reason",
    responses=problem_responses(
        Unauthenticated,
        Forbidden,
        pushes.PushNotFound,
        Conflict,
        UnknownReference,
        CannotOpenLoan,
        *STEP_ERRORS,
        *SENDING_ERRORS,
    ),
)
async def answer(
    push_id: IdPath,
    body: AnswerRequest,
    session: SessionDep,
    temporal: TemporalDep,
    context: RequestContextDep,
    resources: ResourcesDep,
) -> PushView:
    return await pushes.answer(session, temporal, context, resources.settings, push_id, body)
