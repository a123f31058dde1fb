"""Rules of loan products and the LPR table: who may register them, what is recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import DayCount, IPKind, OrganisationKind, RepaymentMode, Role
from contracts.loan_state import ProductTerms
from services.api.dependencies import RequestContext
from services.api.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.api.products.schemas import LprCreate, LprRead, ProductCreate, ProductRead
from services.store import organisations, reference
from services.store.audit import append_audit
from services.store.tables import LoanProduct, LprRate


def product_terms(product: LoanProduct) -> ProductTerms:
    """A product as loans see it (and as `GET /products` shows it)."""
    return ProductTerms(
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
        day_count=DayCount(product.day_count),
    )


def _read(product: LoanProduct) -> ProductRead:
    return ProductRead.model_validate(product_terms(product).model_dump())


async def register_product(session: AsyncSession, context: RequestContext, body: ProductCreate) -> ProductRead:
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


async def list_products(session: AsyncSession, bank_id: str | None) -> list[ProductRead]:
    return [_read(p) for p in await reference.list_products(session, bank_id=bank_id)]


async def get_product(session: AsyncSession, product_id: str) -> ProductRead:
    product = await reference.get_product(session, product_id)
    if product is None:
        raise NotFound(f"There is no product {product_id!r}.")
    return _read(product)


async def record_lpr(session: AsyncSession, context: RequestContext, body: LprCreate) -> LprRead:
    existing = await reference.lpr_on(session, body.effective_date)
    if existing is not None and existing.effective_date == body.effective_date:
        raise Conflict(f"The LPR of {body.effective_date} is already recorded.")
    rate = LprRate(**body.model_dump())
    await reference.add(session, rate)
    await append_audit(
        session, context.audit("lpr.recorded", "lpr", body.effective_date.isoformat(), body.model_dump(mode="json"))
    )
    return LprRead.model_validate(rate)


async def list_lpr(session: AsyncSession) -> list[LprRead]:
    return [LprRead.model_validate(r) for r in await reference.list_lpr(session)]
