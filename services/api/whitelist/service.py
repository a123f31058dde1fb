"""Who may import a district's white list and how: the file read and every row checked before anything is stored
(a file refused as a whole stores nothing), the import and its per-row results stored together for review, the
rejected rows as a workbook with the reason beside each, and the commit — once, by a reviewer of the district."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import District, Role
from contracts.types import TRUSTED
from contracts.whitelist import CATEGORY_LABELS, RowResult, WhitelistFacts
from services.api.dependencies import RequestContext
from services.api.documents.service import clean_filename
from services.api.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, Unprocessable, UnsupportedMediaType
from services.api.params import BadCursor, make_cursor, read_cursor
from services.api.subsidies.service import today
from services.api.whitelist.schemas import EntryPage, EntryView, ImportRow, ImportSummary, ImportView
from services.domain.whitelist.reading import COLUMNS, HEADER_NAMES, BadTable, NotATable, read_table
from services.domain.whitelist.rows import CheckedRow, iter_checked
from services.platform.auth import Principal
from services.store import whitelist
from services.store.audit import append_audit
from services.store.whitelist_tables import WhitelistImport, WhitelistImportRow

ROWS_PER_PAGE = 200


class ImportNotFound(NotFound):
    type_slug = "whitelist-import-not-found"
    title = "No such white-list import"


class ImportCommitted(Conflict):
    type_slug = "whitelist-import-committed"
    title = "The import is committed already"


def may_manage(principal: Principal, district: District) -> bool:
    """A district's reviewers manage its white list; the city's and the platform's administrators any district's."""
    if principal.role in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
        return True
    return principal.role is Role.DISTRICT_REVIEWER and principal.district is district


def _managed(principal: Principal, district: District) -> None:
    if not may_manage(principal, district):
        raise Forbidden(
            f"{district.label}'s white list is kept by its district office, not by a {principal.role.label}."
        )


async def upload(
    session: AsyncSession,
    context: RequestContext,
    content: bytes,
    filename: str | None,
    district: District,
    max_bytes: int,
    progress: Callable[[int, int], None] | None = None,
) -> ImportView:
    """The file read and checked row by row against the district's list, stored for review (nothing written to the
    list yet)."""
    _managed(context.principal, district)
    if len(content) > max_bytes:
        raise PayloadTooLarge(f"The file is {len(content):,} bytes; an import may be at most {max_bytes:,}.")
    try:
        table = read_table(content)
    except NotATable as error:
        raise UnsupportedMediaType(f"The file is refused: {error}. Upload a CSV or an Excel workbook.") from None
    except BadTable as error:
        raise Unprocessable(f"The file is refused, nothing was imported: {error}.") from None
    stored = await whitelist.stored_facts(session, district.value)
    counts = {result.value: 0 for result in RowResult}

    def counted(rows: Iterator[CheckedRow]) -> Iterator[dict[str, object]]:
        for row in rows:  # checked and written a chunk at a time: the rows are never all held at once
            counts[row.result.value] += 1
            yield _row(row)

    batch = WhitelistImport(
        id=uuid.uuid4().hex,
        district=district.value,
        filename=clean_filename(filename),
        sha256=hashlib.sha256(content).hexdigest(),
        format=table.format,
        encoding=table.encoding,
        status="reviewing",
        counts=dict(counts),  # a copy: the counts are filled in as the rows are written, then stored
        created_by=context.principal.sub,
        created_at=datetime.now(UTC),
    )
    await whitelist.add_import(session, batch, counted(iter_checked(table, district, today().year, stored, progress)))
    batch.counts = dict(counts)
    session.add(batch)
    await session.flush()
    details = {"filename": batch.filename, "counts": counts}
    await append_audit(
        session, context.audit("whitelist.import_uploaded", "whitelist_import", batch.id, details, details)
    )
    await session.commit()
    return await view(session, context.principal, batch.id)


def _row(row: CheckedRow) -> dict[str, object]:
    return {
        "number": row.number,
        "credit_code": row.credit_code[:64],
        "result": row.result.value,
        "reason": row.reason,
        "cells": row.cells,
        "facts": row.facts.model_dump(mode="json") if row.facts is not None else None,
    }


async def _import(
    session: AsyncSession, principal: Principal, import_id: str, *, lock: bool = False
) -> WhitelistImport:
    batch = await whitelist.get_import(session, import_id, lock=lock)
    if batch is None or not may_manage(principal, District(batch.district)):
        raise ImportNotFound(f"There is no white-list import {import_id!r} that you can see.")
    return batch


def _row_view(row: WhitelistImportRow) -> ImportRow:
    result = RowResult(row.result)
    return ImportRow(
        number=row.number,
        credit_code=row.credit_code,
        result=result,
        result_label=result.label,
        reason=row.reason,
        cells=row.cells,
    )


async def view(
    session: AsyncSession,
    principal: Principal,
    import_id: str,
    *,
    rejected_only: bool = False,
    after: int | None = None,
    written: int | None = None,
) -> ImportView:
    batch = await _import(session, principal, import_id)
    rows = await whitelist.import_rows(
        session, batch.id, rejected_only=rejected_only, after=after, limit=ROWS_PER_PAGE + 1
    )
    page = rows[:ROWS_PER_PAGE]
    return ImportView(
        id=batch.id,
        district=District(batch.district),
        filename=batch.filename,
        format=batch.format,
        encoding=batch.encoding,
        status=batch.status,
        counts={RowResult(k): v for k, v in batch.counts.items()},
        created_by=batch.created_by,
        created_at=batch.created_at,
        committed_at=batch.committed_at,
        written=written,
        rows=[_row_view(r) for r in page],
        next_after=page[-1].number if len(rows) > ROWS_PER_PAGE else None,
    )


async def list_imports(session: AsyncSession, principal: Principal, district: District | None) -> list[ImportSummary]:
    if principal.role is Role.DISTRICT_REVIEWER:
        district = principal.district
    elif principal.role not in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
        raise Forbidden(f"White lists are kept by the district offices, not by a {principal.role.label}.")
    return [
        ImportSummary(
            id=b.id,
            district=District(b.district),
            filename=b.filename,
            status=b.status,
            counts={RowResult(k): v for k, v in b.counts.items()},
            created_at=b.created_at,
        )
        for b in await whitelist.list_imports(session, district.value if district else None)
    ]


async def commit(session: AsyncSession, context: RequestContext, import_id: str) -> ImportView:
    """The import's new and updated rows written to the list, in one transaction; a second commit is refused."""
    batch = await _import(session, context.principal, import_id, lock=True)
    if batch.status != "reviewing":
        raise ImportCommitted(f"The import {import_id} was committed at {batch.committed_at}: it is written once.")
    written = await whitelist.commit_import(session, batch, context.principal.sub, datetime.now(UTC))
    details = {"written": written}
    await append_audit(
        session, context.audit("whitelist.import_committed", "whitelist_import", batch.id, details, details)
    )
    await session.commit()
    return await view(session, context.principal, import_id, written=written)


async def errors_workbook(session: AsyncSession, principal: Principal, import_id: str) -> tuple[str, bytes]:
    """The refused rows as a workbook: the file's columns as given, then the row number, result and reason."""
    batch = await _import(session, principal, import_id)
    rows = await whitelist.import_rows(session, batch.id, rejected_only=True, after=None, limit=None)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    sheet = book.add_worksheet("有误的行")
    bold = book.add_format({"bold": True})
    columns = list(COLUMNS)
    header = [HEADER_NAMES[c] for c in columns] + ["原行号", "结果", "错误原因"]
    sheet.write_row(0, 0, header, bold)
    for r, row in enumerate(rows, start=1):
        values = [row.cells.get(c, "") for c in columns]
        sheet.write_row(r, 0, [*values, row.number, RowResult(row.result).label, row.reason])
    sheet.set_column(0, len(columns) - 1, 18)
    sheet.set_column(len(columns) + 2, len(columns) + 2, 60)
    book.close()
    return f"whitelist-{batch.id}-errors.xlsx", out.getvalue()


def _entry_view(raw: object, entry_id: str, updated_at: datetime) -> EntryView:
    facts = WhitelistFacts.model_validate(raw, context=TRUSTED)
    return EntryView(
        **facts.model_dump(),
        id=entry_id,
        updated_at=updated_at,
        category_labels=[CATEGORY_LABELS[c] for c in facts.categories],
    )


async def list_entries(
    session: AsyncSession, principal: Principal, flt: whitelist.EntryFilter, cursor: str | None, limit: int
) -> EntryPage:
    """A page of a district's list (a reviewer's own district; administrators any, or all)."""
    if principal.role is Role.DISTRICT_REVIEWER:
        if flt.district is not None and flt.district != (principal.district.value if principal.district else None):
            raise Forbidden("A district office sees its own district's white list.")
        flt = replace(flt, district=principal.district.value if principal.district else "")
    elif principal.role not in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
        raise Forbidden(f"White lists are kept by the district offices, not by a {principal.role.label}.")
    parts = read_cursor(cursor, 2)
    after = (parts[0], parts[1]) if parts is not None else None
    if parts is not None and not parts[1]:
        raise BadCursor()
    rows = await whitelist.list_entries(session, flt, after=after, limit=limit + 1)
    items = [_entry_view(r.facts, r.id, r.updated_at) for r in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return EntryPage(items=items, next_cursor=make_cursor(last.name, last.id) if last is not None else None)
