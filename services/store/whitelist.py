"""The white lists' SQL: what a district's list holds, imports with their rows, an import's commit (one
transaction, the import row locked, so that a commit sent twice writes once), and the list's pages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contracts.enums import Stage
from contracts.types import TRUSTED
from contracts.whitelist import RowResult, WhitelistFacts
from services.store.tables import Enterprise, Loan
from services.store.whitelist_tables import WhitelistEntry, WhitelistImport, WhitelistImportRow

_CHUNK = 2_000  # rows per INSERT (PostgreSQL takes at most 32,767 parameters in one statement)


def entry_id(district: str, credit_code: str) -> str:
    return f"{district}-{credit_code}"


async def stored_facts(session: AsyncSession, district: str) -> dict[str, WhitelistFacts]:
    """credit code → what the district's list holds."""
    query = select(col(WhitelistEntry.credit_code), col(WhitelistEntry.facts)).where(
        col(WhitelistEntry.district) == district
    )
    return {
        code: WhitelistFacts.model_validate(facts, context=TRUSTED)
        for code, facts in (await session.execute(query)).all()
    }


async def entries_by_code(session: AsyncSession, district: str, codes: Sequence[str]) -> dict[str, WhitelistEntry]:
    """credit code → the district's entry, for those of `codes` on the list."""
    query = select(WhitelistEntry).where(
        col(WhitelistEntry.district) == district, col(WhitelistEntry.credit_code).in_(list(codes))
    )
    return {e.credit_code: e for e in (await session.execute(query)).scalars()}


async def add_import(session: AsyncSession, batch: WhitelistImport, rows: Iterable[dict[str, Any]]) -> None:
    """The import and its rows (dicts of WhitelistImportRow's columns), in the caller's transaction."""
    session.add(batch)
    await session.flush()
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row | {"import_id": batch.id})
        if len(chunk) == _CHUNK:
            await session.execute(insert(WhitelistImportRow), chunk)
            chunk = []
    if chunk:
        await session.execute(insert(WhitelistImportRow), chunk)


async def get_import(session: AsyncSession, import_id: str, *, lock: bool = False) -> WhitelistImport | None:
    query = select(WhitelistImport).where(col(WhitelistImport.id) == import_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def list_imports(session: AsyncSession, district: str | None, limit: int = 50) -> Sequence[WhitelistImport]:
    query = select(WhitelistImport)
    if district is not None:
        query = query.where(col(WhitelistImport.district) == district)
    return (await session.execute(query.order_by(col(WhitelistImport.created_at).desc()).limit(limit))).scalars().all()


async def import_rows(
    session: AsyncSession, import_id: str, *, rejected_only: bool, after: int | None, limit: int | None
) -> Sequence[WhitelistImportRow]:
    """The import's rows in file order (those refused only, if asked), from row number `after` on."""
    query = select(WhitelistImportRow).where(col(WhitelistImportRow.import_id) == import_id)
    if rejected_only:
        query = query.where(col(WhitelistImportRow.result).in_([RowResult.INVALID.value, RowResult.DUPLICATE.value]))
    if after is not None:
        query = query.where(col(WhitelistImportRow.number) > after)
    query = query.order_by(col(WhitelistImportRow.number))
    if limit is not None:
        query = query.limit(limit)
    return (await session.execute(query)).scalars().all()


# The import's new and updated rows written to the list in one statement, the columns a list filters on copied out
# of the facts; an entry is changed only where the facts differ (another import may have written it since).
_COMMIT = text(
    """
    INSERT INTO whitelist_entry
        (id, district, credit_code, name, categories, financing_need, ip_total, facts, import_id, updated_at)
    SELECT CAST(:district AS varchar) || '-' || (r.facts->>'credit_code'), CAST(:district AS varchar),
           r.facts->>'credit_code', r.facts->>'name',
           r.facts->'categories', (r.facts->>'financing_need')::boolean,
           (r.facts->>'patents')::int + (r.facts->>'trademarks')::int + (r.facts->>'copyrights')::int,
           r.facts, CAST(:import_id AS varchar), CAST(:now AS timestamptz)
    FROM whitelist_import_row r
    WHERE r.import_id = CAST(:import_id AS varchar) AND r.result IN ('new', 'updated')
    ON CONFLICT (district, credit_code) DO UPDATE SET
        name = excluded.name, categories = excluded.categories, financing_need = excluded.financing_need,
        ip_total = excluded.ip_total, facts = excluded.facts, import_id = excluded.import_id,
        updated_at = excluded.updated_at
    WHERE whitelist_entry.facts IS DISTINCT FROM excluded.facts
    """
)


async def commit_import(session: AsyncSession, batch: WhitelistImport, by: str, now: datetime) -> int:
    """Write the import's new and updated rows into the list (the caller holds the import's row lock and checked it
    is still under review); returns the number of entries written."""
    result = await session.execute(_COMMIT, {"district": batch.district, "import_id": batch.id, "now": now})
    batch.status, batch.committed_by, batch.committed_at = "committed", by, now
    session.add(batch)
    await session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class EntryFilter:
    district: str | None = None
    category: str | None = None
    financing_need: bool | None = None
    min_ip: int | None = None
    search: str | None = None  # part of the name, or the credit code
    open_case: bool | None = None  # whether the enterprise has a case open (not closed) in pledgeflow


async def list_entries(
    session: AsyncSession, flt: EntryFilter, *, after: tuple[str, str] | None, limit: int
) -> Sequence[WhitelistEntry]:
    """A page of the list, by name then id."""
    query = select(WhitelistEntry)
    if flt.district is not None:
        query = query.where(col(WhitelistEntry.district) == flt.district)
    if flt.category is not None:
        query = query.where(col(WhitelistEntry.categories).contains([flt.category]))
    if flt.financing_need is not None:
        query = query.where(col(WhitelistEntry.financing_need).is_(flt.financing_need))
    if flt.min_ip is not None:
        query = query.where(col(WhitelistEntry.ip_total) >= flt.min_ip)
    if flt.open_case is not None:
        open_case = (
            select(col(Loan.id))
            .join(Enterprise, col(Enterprise.id) == col(Loan.enterprise_id))
            .where(
                col(Enterprise.credit_code) == col(WhitelistEntry.credit_code),
                col(Loan.stage).not_in([s.value for s in Stage if s.is_terminal]),
            )
            .exists()
        )
        query = query.where(open_case if flt.open_case else ~open_case)
    if flt.search:
        pattern = "%" + flt.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            col(WhitelistEntry.name).ilike(pattern, escape="\\") | (col(WhitelistEntry.credit_code) == flt.search)
        )
    if after is not None:
        query = query.where(tuple_(col(WhitelistEntry.name), col(WhitelistEntry.id)) > tuple_(*after))
    query = query.order_by(col(WhitelistEntry.name), col(WhitelistEntry.id)).limit(limit)
    return (await session.execute(query)).scalars().all()


async def count_entries(session: AsyncSession, district: str) -> int:
    query = select(func.count()).select_from(WhitelistEntry).where(col(WhitelistEntry.district) == district)
    return int((await session.execute(query)).scalar_one())
