"""Reading a white-list import (CSV in UTF-8 or GB18030, XLSX) and checking its rows: the exact per-row result —
new, updated, unchanged, invalid with every reason, duplicate — and whole files refused for what they are."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from stdnum.cn import uscc

from contracts.enums import District
from contracts.whitelist import RowResult, WhitelistCategory, WhitelistFacts
from services.domain.whitelist.reading import BadTable, NotATable, read_table
from services.domain.whitelist.rows import check_table

HEADER = ["统一社会信用代码", "企业名称", "所属区", "企业类别", "来源", "年度", "专利数", "融资需求", "需求说明"]


def code(n: int) -> str:
    base = f"91440300MA5F{n:05d}"
    return base + uscc.calc_check_digit(base)


def row(n: int, **change: str) -> list[str]:
    cells = {
        "统一社会信用代码": code(n),
        "企业名称": f"深圳光明示例{n}有限公司",
        "所属区": "光明区",
        "企业类别": "高新技术企业、专精特新企业",
        "来源": "区科创局",
        "年度": "2026",
        "专利数": "12",
        "融资需求": "是",
        "需求说明": "流动资金500万元",
    } | change
    return [cells[h] for h in HEADER]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    return "\n".join(",".join(r) for r in [HEADER, *rows]).encode(encoding)


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("白名单")
    for r, values in enumerate([HEADER, *rows]):
        for c, value in enumerate(values):
            if HEADER[c] in ("年度", "专利数") and value.isdigit() and r > 0:
                sheet.write_number(r, c, int(value))  # numbers as a spreadsheet keeps them
            else:
                sheet.write_string(r, c, value)
    book.close()
    return out.getvalue()


def results(content: bytes, stored: dict[str, WhitelistFacts] | None = None) -> list[tuple[int, RowResult, str]]:
    checked = check_table(read_table(content), District.GUANGMING, 2026, stored or {})
    return [(c.number, c.result, c.reason) for c in checked]


@pytest.mark.parametrize("encode", [csv_bytes, lambda rows: csv_bytes(rows, "gb18030"), xlsx_bytes])
def test_good_duplicate_and_bad_rows_each_get_their_result(encode: object) -> None:
    stored_unchanged = check_table(read_table(csv_bytes([row(2)])), District.GUANGMING, 2026, {})[0].facts
    stored_old = check_table(read_table(csv_bytes([row(3, 专利数="1")])), District.GUANGMING, 2026, {})[0].facts
    assert stored_unchanged is not None
    assert stored_old is not None
    bad_code = code(5)[:-1] + ("0" if code(5)[-1] != "0" else "1")
    rows = [
        row(1),
        row(2),
        row(3),
        row(1, 企业名称="重复的一行"),
        row(5, 统一社会信用代码=bad_code),
        row(6, 所属区="南山区", 企业类别="独角兽", 年度="26"),
    ]
    found = results(encode(rows), {code(2): stored_unchanged, code(3): stored_old})  # type: ignore[operator]
    assert [(n, r) for n, r, _ in found] == [
        (2, RowResult.NEW),
        (3, RowResult.UNCHANGED),
        (4, RowResult.UPDATED),
        (5, RowResult.DUPLICATE),
        (6, RowResult.INVALID),
        (7, RowResult.INVALID),
    ]
    assert found[3][2] == "the same credit code as row 2: only the first is imported"
    assert "check character is wrong" in found[4][2]
    reasons = found[5][2]
    assert "南山区" in reasons
    assert "'独角兽' is not a white-list category" in reasons
    assert "'26' is not a year" in reasons


def test_a_row_is_normalised() -> None:
    checked = check_table(read_table(csv_bytes([row(1, 融资需求="否", 企业类别="高新技术企业；高新技术企业")])),
                          District.GUANGMING, 2026, {})  # fmt: skip
    facts = checked[0].facts
    assert facts is not None
    assert (facts.categories, facts.financing_need, facts.patents) == ([WhitelistCategory.HIGH_TECH], False, 12)


def test_columns_in_any_order_in_english_and_empty_lines_skipped() -> None:
    content = f"year,credit_code,name,district,categories\n\n2026,{code(9)},某公司,guangming,high_tech\n".encode()
    found = results(content)
    assert [(n, r) for n, r, _ in found] == [(3, RowResult.NEW)]


@pytest.mark.parametrize(
    ("content", "error", "said"),
    [
        (b"%PDF-1.7 not a table", NotATable, "neither a CSV nor an Excel"),
        (b"MZ\x90\x00 an executable renamed .csv", NotATable, "neither"),
        (b"PK\x03\x04 broken zip", BadTable, "corrupt"),
        ("企业名称,年度\n某公司,2026\n".encode(), BadTable, "统一社会信用代码、所属区、企业类别"),
        ("统一社会信用代码".encode("utf-16"), NotATable, "neither"),
        (b"\xff\xfe\xfd credit", BadTable, "neither UTF-8 nor GB18030"),
        (b"   ", BadTable, "empty"),
    ],
)
def test_a_file_that_is_not_a_readable_table_is_refused_whole(content: bytes, error: type, said: str) -> None:
    with pytest.raises(error, match=said):
        read_table(content)
