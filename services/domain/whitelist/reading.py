"""An import file read as a table: an Excel workbook (XLSX, or the old XLS) read with python-calamine, or a CSV in
UTF-8 (with or without its BOM) or GB18030 — what Chinese office software exports. The type is told from the bytes,
not the name. A file that is not a table, cannot be decoded, is corrupt or lacks a required column is refused as a
whole (nothing is stored); the columns are found by their header, in Chinese or English, in any order."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

# column → the headers it is recognised by (after trimming, dropping "*" marks and lower-casing)
COLUMNS: dict[str, tuple[str, ...]] = {
    "credit_code": ("统一社会信用代码", "信用代码", "credit_code", "credit code"),
    "name": ("企业名称", "名称", "name", "enterprise"),
    "district": ("所属区", "区", "district"),
    "categories": ("企业类别", "类别", "categories", "category"),
    "source": ("来源", "source"),
    "year": ("年度", "年份", "year"),
    "patents": ("专利数", "专利", "patents"),
    "trademarks": ("商标数", "商标", "trademarks"),
    "copyrights": ("著作权数", "著作权", "软件著作权", "copyrights"),
    "financing_need": ("融资需求", "有融资需求", "financing_need", "financing need"),
    "need_note": ("需求说明", "备注", "need_note", "note"),
}
REQUIRED = ("credit_code", "name", "district", "categories", "year")
HEADER_NAMES = {column: names[0] for column, names in COLUMNS.items()}
MAX_ROWS = 200_000


class NotATable(ValueError):
    """The file is neither CSV nor an Excel workbook."""


class BadTable(ValueError):
    """A table that cannot be read: corrupt, undecodable, without a required column, or too long."""


@dataclass(frozen=True)
class Table:
    format: str  # "xlsx", "xls" or "csv"
    encoding: str | None  # a CSV's
    columns: dict[str, int]  # column → its index in a row
    rows: list[list[str]]  # the data rows (the header left out), cells as text
    first_row: int  # the file's row number of rows[0] (1-based, as a spreadsheet shows it)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).replace("\x00", "").strip()


def _raw_rows(content: bytes) -> tuple[str, str | None, Iterator[list[str]]]:
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                if "xl/workbook.xml" not in archive.namelist():
                    raise NotATable("the file is a ZIP archive but not an Excel workbook")
        except zipfile.BadZipFile as error:
            raise BadTable("the Excel workbook is corrupt and cannot be opened") from error
        return "xlsx", None, _excel(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls", None, _excel(content)
    if b"\x00" in content[:4096] or content.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8", b"MZ")):
        raise NotATable("the file is neither a CSV nor an Excel workbook")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        # NUL, which no PostgreSQL text holds, is dropped (the check above only looks at the file's start)
        return (
            "csv",
            encoding,
            ([c.replace("\x00", "") for c in row] for row in csv.reader(io.StringIO(text, newline=""))),
        )
    raise BadTable("the CSV file is neither UTF-8 nor GB18030: save it again as CSV UTF-8")


def _excel(content: bytes) -> Iterator[list[str]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except (CalamineError, ValueError, IndexError) as error:
        raise BadTable("the Excel workbook is corrupt and cannot be read") from error
    return ([_text(cell) for cell in row] for row in rows)


def _normal(header: str) -> str:
    return header.strip().replace("*", "").replace("＊", "").strip().lower()


def _columns(raw: Iterator[list[str]]) -> tuple[dict[str, int], int]:
    """The columns found in the first non-empty row (the header), and that row's number."""
    header_at, header = 0, []
    for header_at, row in enumerate(raw, start=1):  # noqa: B007 - the header's row number is kept
        if any(cell.strip() for cell in row):
            header = row
            break
    by_header = {_normal(cell): index for index, cell in enumerate(header)}
    columns = {}
    for column, names in COLUMNS.items():
        found = next((by_header[n] for n in names if n in by_header), None)
        if found is not None:
            columns[column] = found
    missing = [HEADER_NAMES[c] for c in REQUIRED if c not in columns]
    if missing:
        raise BadTable(f"the header row lacks the column(s) {'、'.join(missing)}")
    return columns, header_at


def read_table(content: bytes) -> Table:
    """The table in `content`; raises NotATable or BadTable with a reason a clerk can act on."""
    if not content.strip():
        raise BadTable("the file is empty")
    kind, encoding, raw = _raw_rows(content)
    try:
        columns, header_at = _columns(raw)
        rows = []
        for row in raw:
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise BadTable(f"the file has more than {MAX_ROWS:,} rows: split it")
    except csv.Error as error:
        raise BadTable(f"the CSV file cannot be read: {error}") from error
    except CalamineError as error:
        raise BadTable("the Excel workbook is corrupt and cannot be read") from error
    return Table(kind, encoding, columns, rows, header_at + 1)
