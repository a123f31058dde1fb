"""Routes of `/products`, `/lpr` and `/districts`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status

from contracts.enums import District, Role
from services.api.dependencies import PrincipalDep, RequestContextDep, SessionDep, require_roles
from services.api.errors import Conflict, Forbidden, NotFound, Unauthenticated, problem_responses
from services.api.params import IdFilter, IdPath
from services.api.products import service
from services.api.products.schemas import DistrictRead, LprCreate, LprRead, ProductCreate, ProductRead

router = APIRouter(tags=["reference data"])


# Who may register a product (a bank's staff for their bank, or a platform admin) and record the LPR; the console's
# reference pages use the same lists.
PRODUCT_REGISTRARS = (Role.BANK_APPROVER, Role.BANK_OFFICER, Role.PLATFORM_ADMIN)
LPR_RECORDERS = (Role.PLATFORM_ADMIN,)


@router.post(
    "/products",
    status_code=status.HTTP_201_CREATED,
    response_model=ProductRead,
    summary="Register a loan product of a bank (that bank's staff, or a platform admin)",
    dependencies=[Depends(require_roles(*PRODUCT_REGISTRARS))],
    responses=problem_responses(Unauthenticated, Forbidden, Conflict),
)
async def register_product(body: ProductCreate, session: SessionDep, context: RequestContextDep) -> ProductRead:
    return await service.register_product(session, context, body)


@router.get(
    "/products", response_model=list[ProductRead], summary="Loan products", responses=problem_responses(Unauthenticated)
)
async def list_products(session: SessionDep, _: PrincipalDep, bank: IdFilter = None) -> list[ProductRead]:
    return await service.list_products(session, bank)


@router.get(
    "/products/{product_id}",
    response_model=ProductRead,
    summary="One loan product",
    responses=problem_responses(Unauthenticated, NotFound),
)
async def get_product(product_id: IdPath, session: SessionDep, _: PrincipalDep) -> ProductRead:
    return await service.get_product(session, product_id)


@router.post(
    "/lpr",
    status_code=status.HTTP_201_CREATED,
    response_model=LprRead,
    summary="Record a published LPR (platform admin)",
    dependencies=[Depends(require_roles(*LPR_RECORDERS))],
    responses=problem_responses(Unauthenticated, Forbidden, Conflict),
)
async def record_lpr(body: LprCreate, session: SessionDep, context: RequestContextDep) -> LprRead:
    return await service.record_lpr(session, context, body)


@router.get(
    "/lpr",
    response_model=list[LprRead],
    summary="The LPR table, newest first",
    responses=problem_responses(Unauthenticated),
)
async def list_lpr(session: SessionDep, _: PrincipalDep) -> list[LprRead]:
    return await service.list_lpr(session)


@router.get("/districts", response_model=list[DistrictRead], summary="The districts of Shenzhen")
async def list_districts() -> list[DistrictRead]:
    return [DistrictRead(code=d, name=d.label) for d in District]
