"""Each row of a white-list import checked and classified: invalid (with every reason), a duplicate of an earlier row
of the same file (same credit code), or — against what the district's list holds — new, updated or unchanged.
Rows are keyed by the credit code, whose check character is verified (GB 32100-2015, python-stdnum)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from contracts.enums import District
from contracts.identifiers import check_credit_code
from contracts.whitelist import CATEGORY_LABELS, RowResult, WhitelistCategory, WhitelistFacts
from services.domain.whitelist.reading import Table

_CATEGORY_BY_NAME = {label: category for category, label in CATEGORY_LABELS.items()} | {
    category.value: category for category in WhitelistCategory
}
_SEPARATORS = re.compile(r"[、,，;；/|\n]+")
_YES = {"是", "有", "y", "yes", "true", "1", "需要"}
_NO = {"否", "无", "n", "no", "false", "0", "不需要", ""}
MAX_TEXT = 500


@dataclass(frozen=True)
class CheckedRow:
    number: int  # the file's row number
    credit_code: str  # as given (normalised when valid)
    result: RowResult
    reason: str
    facts: WhitelistFacts | None  # None when invalid or a duplicate
    cells: dict[str, str]  # the row as given, by column


def _district(text: str) -> District | None:
    for district in District:
        if text in (district.value, district.label, district.label.removesuffix("区")):
            return district
    return None


def _count(text: str, named: str, problems: list[str]) -> int:
    if not text:
        return 0
    if not text.isdigit() or len(text) > 6:
        problems.append(f"{named} is to be a whole number, not {text!r}")
        return 0
    return int(text)


def _code(cells: Mapping[str, str], problems: list[str]) -> str:
    try:
        return check_credit_code(cells.get("credit_code", ""))
    except ValueError as error:
        problems.append(str(error))
        return ""


def _in_district(cells: Mapping[str, str], district: District, problems: list[str]) -> None:
    given = cells.get("district", "").strip()
    found = _district(given)
    if found is None:
        problems.append(f"{given!r} is not a district of Shenzhen" if given else "the district is missing")
    elif found is not district:
        problems.append(f"the enterprise is in {found.label}: this import is {district.label}'s white list")


def _categories(cells: Mapping[str, str], problems: list[str]) -> list[WhitelistCategory]:
    categories: list[WhitelistCategory] = []
    for part in (p.strip() for p in _SEPARATORS.split(cells.get("categories", ""))):
        category = _CATEGORY_BY_NAME.get(part)
        if part and category is None:
            problems.append(f"{part!r} is not a white-list category")
        elif category is not None and category not in categories:
            categories.append(category)
    if not categories and not any("category" in p for p in problems):
        problems.append("no category is given")
    return categories


def _year(cells: Mapping[str, str], this_year: int, problems: list[str]) -> int:
    text = cells.get("year", "").strip()
    year = int(text) if text.isdigit() and len(text) == 4 else 0
    if not 2000 <= year <= this_year + 1:
        problems.append(f"the year {text!r} is not a year from 2000 to {this_year + 1}")
    return year


def check_row(cells: Mapping[str, str], district: District, this_year: int) -> tuple[WhitelistFacts | None, str]:
    """The row's facts, or None and every reason it is refused."""
    problems: list[str] = []
    code = _code(cells, problems)
    name = cells.get("name", "").strip()
    if not name:
        problems.append("the enterprise's name is missing")
    _in_district(cells, district, problems)
    categories = _categories(cells, problems)
    year = _year(cells, this_year, problems)
    counts = {c: _count(cells.get(c, "").strip(), c, problems) for c in ("patents", "trademarks", "copyrights")}
    need_text = cells.get("financing_need", "").strip().lower()
    if need_text not in _YES | _NO:
        problems.append(f"financing need is 是 or 否, not {need_text!r}")
    texts = {c: cells.get(c, "").strip() for c in ("source", "need_note")}
    problems += [
        f"{c} is longer than {MAX_TEXT} characters" for c, t in (("name", name), *texts.items()) if len(t) > MAX_TEXT
    ]
    if problems:
        return None, "; ".join(problems)
    try:
        facts = WhitelistFacts(
            credit_code=code,
            name=name,
            district=district,
            categories=categories,
            year=year,
            financing_need=need_text in _YES,
            **counts,
            **texts,
        )
    except ValidationError as error:  # a character the text types refuse (a control character, say)
        return None, "; ".join(e["msg"] for e in error.errors())
    return facts, ""


def check_table(
    table: Table,
    district: District,
    this_year: int,
    stored: Mapping[str, WhitelistFacts],
    progress: Callable[[int, int], None] | None = None,
) -> list[CheckedRow]:
    """`iter_checked`'s rows as a list."""
    return list(iter_checked(table, district, this_year, stored, progress))


def iter_checked(
    table: Table,
    district: District,
    this_year: int,
    stored: Mapping[str, WhitelistFacts],
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[CheckedRow]:
    """Every non-empty row of `table`, checked and classified against `stored` (credit code → what the list holds);
    `progress(done, total)` is told every thousand rows."""
    first_seen: dict[str, int] = {}
    for offset, row in enumerate(table.rows):
        if progress is not None and offset % 1000 == 0:
            progress(offset, len(table.rows))
        if not any(cell.strip() for cell in row):
            continue
        number = table.first_row + offset
        cells = {column: (row[index] if index < len(row) else "").strip() for column, index in table.columns.items()}
        facts, reason = check_row(cells, district, this_year)
        code = facts.credit_code if facts is not None else cells.get("credit_code", "").upper()
        if facts is None:
            yield CheckedRow(number, code, RowResult.INVALID, reason, None, cells)
            continue
        if code in first_seen:
            why = f"the same credit code as row {first_seen[code]}: only the first is imported"
            yield CheckedRow(number, code, RowResult.DUPLICATE, why, None, cells)
            continue
        first_seen[code] = number
        before = stored.get(code)
        result = RowResult.NEW if before is None else RowResult.UNCHANGED if before == facts else RowResult.UPDATED
        yield CheckedRow(number, code, result, "", facts, cells)
    if progress is not None:
        progress(len(table.rows), len(table.rows))
