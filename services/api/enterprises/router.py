"""Routes of `/enterprises` and `/ip-assets`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from contracts.enums import District, Role
from services.api.dependencies import PrincipalDep, RequestContextDep, SessionDep, require_roles
from services.api.enterprises import service
from services.api.enterprises.exceptions import (
    EnterpriseExists,
    EnterpriseNotFound,
    InvalidIdentifier,
    IpAssetExists,
    IpAssetNotFound,
    OverrideNotAllowed,
)
from services.api.enterprises.schemas import (
    EnterpriseCreate,
    EnterprisePage,
    EnterpriseRead,
    IpAssetCreate,
    IpAssetPage,
    IpAssetRead,
)
from services.api.errors import Forbidden, Unauthenticated, problem_responses
from services.api.params import BadCursor, CursorQuery, IdFilter, IdPath

router = APIRouter(tags=["enterprises"])

REGISTRARS = (Role.PLATFORM_ADMIN, Role.STATION_SPECIALIST, Role.BANK_OFFICER)


@router.post(
    "/enterprises",
    status_code=status.HTTP_201_CREATED,
    response_model=EnterpriseRead,
    summary="Register an enterprise (station specialist, bank officer or platform admin)",
    dependencies=[Depends(require_roles(*REGISTRARS))],
    responses=problem_responses(Unauthenticated, Forbidden, OverrideNotAllowed, InvalidIdentifier, EnterpriseExists),
)
async def register_enterprise(
    body: EnterpriseCreate, session: SessionDep, context: RequestContextDep
) -> EnterpriseRead:
    return await service.register_enterprise(session, context, body)


@router.get(
    "/enterprises",
    response_model=EnterprisePage,
    summary="List enterprises",
    responses=problem_responses(Unauthenticated, BadCursor),
)
async def list_enterprises(
    session: SessionDep,
    principal: PrincipalDep,
    district: District | None = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EnterprisePage:
    return await service.list_enterprises(
        session, principal, district=district.value if district else None, cursor=cursor, limit=limit
    )


@router.get(
    "/enterprises/{enterprise_id}",
    response_model=EnterpriseRead,
    summary="One enterprise",
    responses=problem_responses(Unauthenticated, EnterpriseNotFound),
)
async def get_enterprise(enterprise_id: IdPath, session: SessionDep, principal: PrincipalDep) -> EnterpriseRead:
    return await service.get_enterprise(session, principal, enterprise_id)


@router.post(
    "/ip-assets",
    status_code=status.HTTP_201_CREATED,
    response_model=IpAssetRead,
    summary="Register an IP asset (patent, trademark, copyright) of an enterprise",
    dependencies=[Depends(require_roles(*REGISTRARS, Role.ENTERPRISE))],
    responses=problem_responses(Unauthenticated, Forbidden, EnterpriseNotFound, InvalidIdentifier, IpAssetExists),
)
async def register_asset(body: IpAssetCreate, session: SessionDep, context: RequestContextDep) -> IpAssetRead:
    return await service.register_asset(session, context, body)


@router.get(
    "/ip-assets",
    response_model=IpAssetPage,
    summary="List IP assets (which loan holds one is shown to that loan's parties only)",
    responses=problem_responses(Unauthenticated, BadCursor),
)
async def list_assets(
    session: SessionDep,
    principal: PrincipalDep,
    owner: Annotated[IdFilter, Query(description="Owner enterprise id.")] = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IpAssetPage:
    return await service.list_assets(session, principal, owner=owner, cursor=cursor, limit=limit)


@router.get(
    "/ip-assets/{asset_id}",
    response_model=IpAssetRead,
    summary="One IP asset",
    responses=problem_responses(Unauthenticated, IpAssetNotFound),
)
async def get_asset(asset_id: IdPath, session: SessionDep, principal: PrincipalDep) -> IpAssetRead:
    return await service.get_asset(session, principal, asset_id)
