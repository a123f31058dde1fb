"""Routes of `/products`, `/lpr` and `/districts`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from contracts.enums import District, IPKind, OrganisationKind, RepaymentMode, Role
from services.api.dependencies import PrincipalDep, RequestContextDep, SessionDep, require_roles
from services.api.errors import Conflict, Forbidden, NotFound, Unauthenticated, Unprocessable, problem_responses
from services.api.products.schemas import DistrictRead, LprCreate, LprRead, ProductCreate, ProductRead
from services.store import organisations, reference
from services.store.audit import append_audit
from services.store.tables import LoanProduct, LprRate

router = APIRouter(tags=["reference data"])


def _read(product: LoanProduct) -> ProductRead:
    return ProductRead(
        id=product.id,
        bank_id=product.bank_id,
        name=product.name,
        pledge_rates={IPKind(k): Decimal(v) for k, v in product.pledge_rates.items()},
        min_term_months=product.min_term_months,
        max_term_months=product.max_term_months,
        min_spread_bp=product.min_spread_bp,
        max_spread_bp=product.max_spread_bp,
        repayment_modes=[RepaymentMode(m) for m in product.repayment_modes],
        requires_guarantor=product.requires_guarantor,
        requires_insurer=product.requires_insurer,
    )


@router.post(
    "/products",
    status_code=status.HTTP_201_CREATED,
    response_model=ProductRead,
    summary="Register a loan product of a bank (that bank's staff, or a platform admin)",
    dependencies=[Depends(require_roles(Role.BANK_APPROVER, Role.BANK_OFFICER, Role.PLATFORM_ADMIN))],
    responses=problem_responses(Unauthenticated, Forbidden, Conflict),
)
async def register_product(body: ProductCreate, session: SessionDep, context: RequestContextDep) -> ProductRead:
    principal = context.principal
    if principal.role is not Role.PLATFORM_ADMIN and principal.org_id != body.bank_id:
        raise Forbidden("Bank staff register products of their own bank only.")
    bank = await organisations.get_organisation(session, body.bank_id)
    if bank is None or bank.kind != OrganisationKind.BANK:
        raise Unprocessable(f"There is no bank {body.bank_id!r}.")
    if await reference.get_product(session, body.id) is not None:
        raise Conflict(f"A product with id {body.id!r} already exists.")
    product = LoanProduct(
        **body.model_dump(exclude={"pledge_rates", "repayment_modes"}),
        pledge_rates={k.value: str(v) for k, v in body.pledge_rates.items()},
        repayment_modes=[m.value for m in body.repayment_modes],
        created_at=datetime.now(UTC),
    )
    await reference.add(session, product)
    await append_audit(
        session, context.audit("product.registered", "product", product.id, body.model_dump(mode="json"))
    )
    return _read(product)


@router.get(
    "/products", response_model=list[ProductRead], summary="Loan products", responses=problem_responses(Unauthenticated)
)
async def list_products(
    session: SessionDep, _: PrincipalDep, bank: Annotated[str | None, Query(max_length=64)] = None
) -> list[ProductRead]:
    return [_read(p) for p in await reference.list_products(session, bank_id=bank)]


@router.get(
    "/products/{product_id}",
    response_model=ProductRead,
    summary="One loan product",
    responses=problem_responses(Unauthenticated, NotFound),
)
async def get_product(product_id: str, session: SessionDep, _: PrincipalDep) -> ProductRead:
    product = await reference.get_product(session, product_id)
    if product is None:
        raise NotFound(f"There is no product {product_id!r}.")
    return _read(product)


@router.post(
    "/lpr",
    status_code=status.HTTP_201_CREATED,
    response_model=LprRead,
    summary="Record a published LPR (platform admin)",
    dependencies=[Depends(require_roles(Role.PLATFORM_ADMIN))],
    responses=problem_responses(Unauthenticated, Forbidden, Conflict),
)
async def record_lpr(body: LprCreate, session: SessionDep, context: RequestContextDep) -> LprRead:
    existing = await reference.lpr_on(session, body.effective_date)
    if existing is not None and existing.effective_date == body.effective_date:
        raise Conflict(f"The LPR of {body.effective_date} is already recorded.")
    rate = LprRate(**body.model_dump())
    await reference.add(session, rate)
    await append_audit(
        session, context.audit("lpr.recorded", "lpr", body.effective_date.isoformat(), body.model_dump(mode="json"))
    )
    return LprRead.model_validate(rate)


@router.get(
    "/lpr",
    response_model=list[LprRead],
    summary="The LPR table, newest first",
    responses=problem_responses(Unauthenticated),
)
async def list_lpr(session: SessionDep, _: PrincipalDep) -> list[LprRead]:
    return [LprRead.model_validate(r) for r in await reference.list_lpr(session)]


@router.get("/districts", response_model=list[DistrictRead], summary="The districts of Shenzhen")
async def list_districts() -> list[DistrictRead]:
    return [DistrictRead(code=d, name=d.label) for d in District]
