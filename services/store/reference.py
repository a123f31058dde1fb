"""Repository of reference data: districts, enterprises, IP assets, loan products and the LPR table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from services.store.tables import DistrictRow, Enterprise, IpAsset, LoanProduct, LprRate


async def upsert(session: AsyncSession, rows: Sequence[SQLModel], key: str = "id") -> None:
    """Insert or refresh rows by primary key (used by the demo seed)."""
    for row in rows:
        table = type(row)
        values = row.model_dump()
        await session.execute(
            insert(table)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[key], set_={k: v for k, v in values.items() if k not in (key, "created_at")}
            )
        )


async def add(session: AsyncSession, row: SQLModel) -> None:
    session.add(row)
    await session.flush()


async def list_districts(session: AsyncSession) -> Sequence[DistrictRow]:
    return (await session.execute(select(DistrictRow).order_by(col(DistrictRow.code)))).scalars().all()


async def get_enterprise(session: AsyncSession, enterprise_id: str) -> Enterprise | None:
    return await session.get(Enterprise, enterprise_id)


async def enterprise_by_credit_code(session: AsyncSession, credit_code: str) -> Enterprise | None:
    query = select(Enterprise).where(col(Enterprise.credit_code) == credit_code)
    return (await session.execute(query)).scalar_one_or_none()


async def list_enterprises(
    session: AsyncSession, *, district: str | None, after: str | None, limit: int, only_id: str | None = None
) -> Sequence[Enterprise]:
    query = select(Enterprise).order_by(col(Enterprise.id)).limit(limit)
    if district is not None:
        query = query.where(col(Enterprise.district) == district)
    if only_id is not None:
        query = query.where(col(Enterprise.id) == only_id)
    if after is not None:
        query = query.where(col(Enterprise.id) > after)
    return (await session.execute(query)).scalars().all()


async def get_asset(session: AsyncSession, asset_id: str) -> IpAsset | None:
    return await session.get(IpAsset, asset_id)


async def get_assets(session: AsyncSession, asset_ids: Sequence[str]) -> Sequence[IpAsset]:
    return (await session.execute(select(IpAsset).where(col(IpAsset.id).in_(asset_ids)))).scalars().all()


async def asset_by_number(session: AsyncSession, kind: str, number: str) -> IpAsset | None:
    query = select(IpAsset).where(col(IpAsset.kind) == kind, col(IpAsset.number) == number)
    return (await session.execute(query)).scalar_one_or_none()


async def list_assets(session: AsyncSession, *, owner: str | None, after: str | None, limit: int) -> Sequence[IpAsset]:
    query = select(IpAsset).order_by(col(IpAsset.id)).limit(limit)
    if owner is not None:
        query = query.where(col(IpAsset.owner_enterprise_id) == owner)
    if after is not None:
        query = query.where(col(IpAsset.id) > after)
    return (await session.execute(query)).scalars().all()


async def get_product(session: AsyncSession, product_id: str) -> LoanProduct | None:
    return await session.get(LoanProduct, product_id)


async def list_products(session: AsyncSession, *, bank_id: str | None) -> Sequence[LoanProduct]:
    query = select(LoanProduct).order_by(col(LoanProduct.id))
    if bank_id is not None:
        query = query.where(col(LoanProduct.bank_id) == bank_id)
    return (await session.execute(query)).scalars().all()


async def lpr_on(session: AsyncSession, day: date) -> LprRate | None:
    """The LPR in force on `day` (the latest published on or before it)."""
    query = (
        select(LprRate).where(col(LprRate.effective_date) <= day).order_by(col(LprRate.effective_date).desc()).limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def list_lpr(session: AsyncSession) -> Sequence[LprRate]:
    return (await session.execute(select(LprRate).order_by(col(LprRate.effective_date).desc()))).scalars().all()


async def enterprise_names(session: AsyncSession, enterprise_ids: Sequence[str]) -> dict[str, str]:
    if not enterprise_ids:
        return {}
    found = await session.execute(
        select(col(Enterprise.id), col(Enterprise.name)).where(col(Enterprise.id).in_(list(enterprise_ids)))
    )
    return {str(i): str(n) for i, n in found.all()}
