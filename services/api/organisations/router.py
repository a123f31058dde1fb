"""Routes of `/organisations`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from contracts.enums import District, OrganisationKind, Role
from services.api.dependencies import PrincipalDep, RequestContextDep, SessionDep, require_roles
from services.api.errors import Forbidden, Unauthenticated, problem_responses
from services.api.organisations import service
from services.api.organisations.exceptions import OrganisationExists, OrganisationNotFound
from services.api.organisations.schemas import OrganisationCreate, OrganisationPage, OrganisationRead
from services.api.params import BadCursor, CursorQuery, IdPath

router = APIRouter(prefix="/organisations", tags=["organisations"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganisationRead,
    summary="Register an organisation (platform admins)",
    dependencies=[Depends(require_roles(Role.PLATFORM_ADMIN))],
    responses=problem_responses(Unauthenticated, Forbidden, OrganisationExists),
)
async def register_organisation(
    body: OrganisationCreate, session: SessionDep, context: RequestContextDep
) -> OrganisationRead:
    return await service.register_organisation(session, context, body)


@router.get(
    "",
    response_model=OrganisationPage,
    summary="List organisations",
    responses=problem_responses(Unauthenticated, BadCursor),
)
async def list_organisations(
    session: SessionDep,
    _: PrincipalDep,
    kind: OrganisationKind | None = None,
    district: District | None = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrganisationPage:
    return await service.list_organisations(session, kind=kind, district=district, cursor=cursor, limit=limit)


@router.get(
    "/{organisation_id}",
    response_model=OrganisationRead,
    summary="One organisation",
    responses=problem_responses(Unauthenticated, OrganisationNotFound),
)
async def get_organisation(organisation_id: IdPath, session: SessionDep, _: PrincipalDep) -> OrganisationRead:
    return await service.get_organisation(session, organisation_id)
