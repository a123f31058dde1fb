"""Bodies of the white-list endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from contracts.enums import District
from contracts.whitelist import RowResult, WhitelistFacts


class ImportRow(BaseModel):
    number: int = Field(description="the row's number in the file, as a spreadsheet shows it")
    credit_code: str
    result: RowResult
    result_label: str
    reason: str = Field(description="why the row is refused (invalid or duplicate); empty otherwise")
    cells: dict[str, str] = Field(description="the row as given, by column")


class ImportView(BaseModel):
    id: str
    district: District
    filename: str
    format: str = Field(description="xlsx, xls or csv")
    encoding: str | None = Field(description="a CSV's: utf-8-sig or gb18030")
    status: str = Field(description="reviewing (nothing written yet) or committed")
    counts: dict[RowResult, int] = Field(description="rows per result")
    created_by: str
    created_at: datetime
    committed_at: datetime | None
    written: int | None = Field(default=None, description="entries written by the commit (in its answer only)")
    rows: list[ImportRow] = Field(description="a page of the rows, in file order")
    next_after: int | None = Field(description="`after` for the next page of rows (none: the last page)")


class ImportSummary(BaseModel):
    id: str
    district: District
    filename: str
    status: str
    counts: dict[RowResult, int]
    created_at: datetime


class EntryView(WhitelistFacts):
    id: str
    updated_at: datetime
    category_labels: list[str]


class EntryPage(BaseModel):
    items: list[EntryView]
    next_cursor: str | None
