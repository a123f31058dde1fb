"""Repository of organisations (banks, guarantors, insurers, agencies, stations, offices)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contracts.enums import District, OrganisationKind
from services.store.tables import Organisation


async def get_organisation(session: AsyncSession, organisation_id: str) -> Organisation | None:
    return await session.get(Organisation, organisation_id)


async def list_organisations(
    session: AsyncSession,
    *,
    kind: OrganisationKind | None = None,
    district: District | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Sequence[Organisation]:
    query = select(Organisation).order_by(col(Organisation.id)).limit(limit)
    if kind is not None:
        query = query.where(col(Organisation.kind) == kind)
    if district is not None:
        query = query.where(col(Organisation.district) == district)
    if after is not None:
        query = query.where(col(Organisation.id) > after)
    return (await session.execute(query)).scalars().all()


async def add_organisation(session: AsyncSession, organisation: Organisation) -> Organisation:
    session.add(organisation)
    await session.flush()
    return organisation


async def upsert_organisations(session: AsyncSession, organisations: Sequence[Organisation]) -> None:
    """Insert or refresh reference organisations by id (used by the demo seed)."""
    for organisation in organisations:
        values = organisation.model_dump()
        await session.execute(
            insert(Organisation)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["id"],
                set_={k: v for k, v in values.items() if k not in ("id", "created_at")},
            )
        )


# Built once: run on every step's answer, it should hit the compiled cache.
_NAMES = select(col(Organisation.id), col(Organisation.name)).where(
    col(Organisation.id).in_(bindparam("ids", expanding=True))
)


async def names_of(session: AsyncSession, organisation_ids: Sequence[str]) -> dict[str, str]:
    """id → name for the given organisations, in one query."""
    if not organisation_ids:
        return {}
    rows = await session.execute(_NAMES, {"ids": list(organisation_ids)})
    return {str(i): str(n) for i, n in rows.all()}
