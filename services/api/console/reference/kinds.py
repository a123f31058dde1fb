"""What each reference page lists and registers: the API's request model, its service functions, and who may
register (the same role lists as the API's routes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Role
from services.api.dependencies import RequestContext
from services.api.enterprises import service as enterprises
from services.api.enterprises.router import REGISTRARS
from services.api.enterprises.schemas import EnterpriseCreate, IpAssetCreate
from services.api.products import service as products
from services.api.products.router import LPR_RECORDERS, PRODUCT_REGISTRARS
from services.api.products.schemas import LprCreate, ProductCreate
from services.platform.auth import Principal

LIST_SIZE = 200


@dataclass(frozen=True)
class ReferenceKind:
    slug: str
    title: str  # a key of the console's words
    model: type[BaseModel]
    columns: tuple[str, ...]  # fields of the read model shown in the list
    registrars: tuple[Role, ...]
    create: Callable[[AsyncSession, RequestContext, Any], Awaitable[BaseModel]]
    rows: Callable[[AsyncSession, Principal], Awaitable[Sequence[BaseModel]]]


async def _enterprises(session: AsyncSession, principal: Principal) -> Sequence[BaseModel]:
    page = await enterprises.list_enterprises(session, principal, district=None, cursor=None, limit=LIST_SIZE)
    return page.items


async def _assets(session: AsyncSession, principal: Principal) -> Sequence[BaseModel]:
    page = await enterprises.list_assets(session, principal, owner=None, cursor=None, limit=LIST_SIZE)
    return page.items


async def _products(session: AsyncSession, _: Principal) -> Sequence[BaseModel]:
    return await products.list_products(session, None)


async def _lpr(session: AsyncSession, _: Principal) -> Sequence[BaseModel]:
    return await products.list_lpr(session)


KINDS: dict[str, ReferenceKind] = {
    kind.slug: kind
    for kind in (
        ReferenceKind(
            "enterprises",
            "enterprises",
            EnterpriseCreate,
            ("id", "name", "credit_code", "district", "size_class", "credit_code_override_reason"),
            REGISTRARS,
            enterprises.register_enterprise,
            _enterprises,
        ),
        ReferenceKind(
            "ip-assets",
            "ip_assets",
            IpAssetCreate,
            ("id", "kind", "number", "title", "owner_enterprise_id", "expiry_date", "legal_status"),
            (*REGISTRARS, Role.ENTERPRISE),
            enterprises.register_asset,
            _assets,
        ),
        ReferenceKind(
            "products",
            "products",
            ProductCreate,
            ("id", "bank_id", "name", "min_term_months", "max_term_months", "repayment_modes"),
            PRODUCT_REGISTRARS,
            products.register_product,
            _products,
        ),
        ReferenceKind(
            "lpr",
            "lpr",
            LprCreate,
            ("effective_date", "one_year_percent", "five_year_percent"),
            LPR_RECORDERS,
            products.record_lpr,
            _lpr,
        ),
    )
}
