"""Bodies of the white-list endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from contracts.enums import District
from contracts.types import Id, Note
from contracts.whitelist import RowResult, WhitelistFacts
from contracts.whitelist_push import PushStatus


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


class PushRequest(BaseModel):
    """Push listed enterprises to banks of the district: one push per enterprise and bank."""

    credit_codes: list[Annotated[str, Field(pattern=r"^[0-9A-Z]{18}$")]] = Field(min_length=1, max_length=20)
    bank_ids: list[Id] = Field(min_length=1, max_length=5)
    note: Note | None = None
    district: District | None = Field(default=None, description="an administrator names the district")


class AnswerRequest(BaseModel):
    accept: bool
    reason: Note | None = Field(default=None, description="required when declining")


class PushView(BaseModel):
    id: str
    district: District
    credit_code: str
    enterprise_name: str
    bank_id: str
    status: PushStatus
    status_label: str
    overdue: bool = Field(description="unanswered past its reminder day")
    remind_on: date
    pushed_at: datetime
    reason: str | None
    loan_id: str | None = Field(description="the case opened when the bank accepted")


class ConversionRow(BaseModel):
    bank_id: str
    pushed: int
    waiting: int
    accepted: int
    declined: int
    disbursed: int = Field(description="pushes whose case reached disbursement")
