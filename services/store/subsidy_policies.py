"""The districts' subsidy policy versions: added (never changed), found by id, listed, and the one in force."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contracts.subsidy_policy import NewPolicyVersion
from services.store.subsidy_tables import SubsidyPolicy


def version_id(district: str, year: int, version: int) -> str:
    return f"{district}-{year}-v{version}"


def row_of(new: NewPolicyVersion, version: int, created_by: str, now: datetime) -> SubsidyPolicy:
    return SubsidyPolicy(
        id=version_id(new.district.value, new.year, version),
        district=new.district.value,
        year=new.year,
        version=version,
        effective_from=new.effective_from,
        title=new.terms.title,
        terms=new.terms.model_dump(mode="json"),
        reason=new.reason,
        created_by=created_by,
        created_at=now,
    )


async def lock_policy_year(session: AsyncSession, district: str, year: int) -> None:
    """Take the district's policy year for this transaction (a transaction-scoped advisory lock): versions of one
    district and year are published one after the other, each seeing the one before it."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"subsidy_policy:{district}:{year}"}
    )


async def latest_version(session: AsyncSession, district: str, year: int) -> SubsidyPolicy | None:
    query = (
        select(SubsidyPolicy)
        .where(col(SubsidyPolicy.district) == district, col(SubsidyPolicy.year) == year)
        .order_by(col(SubsidyPolicy.version).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def add_version(session: AsyncSession, new: NewPolicyVersion, created_by: str, now: datetime) -> SubsidyPolicy:
    """The next version of the district's policy for the year (call under `lock_policy_year`; the unique constraint
    `uq_subsidy_policy_version` stands behind it)."""
    latest = await latest_version(session, new.district.value, new.year)
    row = row_of(new, (latest.version if latest else 0) + 1, created_by, now)
    session.add(row)
    await session.flush()
    return row


def same_content(row: SubsidyPolicy, new: NewPolicyVersion) -> bool:
    """Whether `row` already says what `new` says (the same day, terms and reason)."""
    return (row.effective_from, row.reason, row.terms) == (
        new.effective_from,
        new.reason,
        new.terms.model_dump(mode="json"),
    )


async def seed_versions(session: AsyncSession, rows: Sequence[SubsidyPolicy]) -> None:
    """Demo versions by their fixed ids; a version already there is left as it is (versions never change)."""
    for row in rows:
        values = {c: getattr(row, c) for c in SubsidyPolicy.model_fields}
        await session.execute(insert(SubsidyPolicy).values(values).on_conflict_do_nothing())


async def get_version(session: AsyncSession, policy_id: str) -> SubsidyPolicy | None:
    return await session.get(SubsidyPolicy, policy_id)


async def list_versions(session: AsyncSession, *, district: str | None, year: int | None) -> Sequence[SubsidyPolicy]:
    """Newest first: by district, year, then version."""
    query = select(SubsidyPolicy)
    if district is not None:
        query = query.where(col(SubsidyPolicy.district) == district)
    if year is not None:
        query = query.where(col(SubsidyPolicy.year) == year)
    query = query.order_by(
        col(SubsidyPolicy.district), col(SubsidyPolicy.year).desc(), col(SubsidyPolicy.version).desc()
    ).limit(500)
    return (await session.execute(query)).scalars().all()


async def in_force(session: AsyncSession, district: str, on: date) -> SubsidyPolicy | None:
    """The district's version in force on `on`: the latest to take effect on or before it (a year's policy stays in
    force until the next year's takes effect; of two versions taking effect the same day, the later one)."""
    query = (
        select(SubsidyPolicy)
        .where(col(SubsidyPolicy.district) == district, col(SubsidyPolicy.effective_from) <= on)
        .order_by(
            col(SubsidyPolicy.effective_from).desc(), col(SubsidyPolicy.year).desc(), col(SubsidyPolicy.version).desc()
        )
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()
