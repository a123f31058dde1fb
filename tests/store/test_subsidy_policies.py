"""Policy versions: numbered within their district and year, never overwritten, and the one in force on a day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import District
from services.store import subsidy_policies
from services.store.seed import load_demo_data
from services.store.seed_policies import demo_policies

NOW = datetime(2026, 11, 30, 8, tzinfo=UTC)


async def in_force(db: AsyncSession, district: District, day: date) -> str | None:
    found = await subsidy_policies.in_force(db, district.value, day)
    return None if found is None else found.id


async def test_the_version_in_force_on_a_day(db: AsyncSession) -> None:
    await load_demo_data(db)
    assert await in_force(db, District.GUANGMING, date(2026, 1, 31)) is None  # before the year's first version
    assert await in_force(db, District.GUANGMING, date(2026, 6, 30)) == "guangming-2026-v1"
    assert await in_force(db, District.GUANGMING, date(2026, 7, 1)) == "guangming-2026-v2"  # the July revision
    assert await in_force(db, District.NANSHAN, date(2027, 2, 1)) == "nanshan-2026-v1"  # until 2027's takes effect
    assert await in_force(db, District.LUOHU, date(2026, 7, 1)) is None


async def test_a_revision_takes_the_next_number_and_loading_the_demo_again_changes_nothing(db: AsyncSession) -> None:
    await load_demo_data(db)
    revision = demo_policies()[0].model_copy(update={"effective_from": date(2026, 12, 1), "reason": "修订"})
    added = await subsidy_policies.add_version(db, revision, "reviewer.wang@nanshan", NOW)
    assert (added.id, added.version) == ("nanshan-2026-v2", 2)
    await load_demo_data(db)  # the seed never overwrites a version
    assert [v.id for v in await subsidy_policies.list_versions(db, district="nanshan", year=2026)] == [
        "nanshan-2026-v2",
        "nanshan-2026-v1",
    ]
    assert await in_force(db, District.NANSHAN, date(2026, 12, 1)) == "nanshan-2026-v2"
    assert await in_force(db, District.NANSHAN, date(2026, 11, 30)) == "nanshan-2026-v1"
