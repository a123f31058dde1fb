"""A district's white list through HTTP: an import uploaded, reviewed row by row (the refused rows also as a
workbook with their reasons), committed once; a file refused as a whole stores nothing; a re-import reports its rows
unchanged; only the district's office (and administrators) see and manage it."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select

from contracts.enums import District, Role
from services.store.whitelist_tables import WhitelistImport
from tests.api.loan_stack import OFFICER, REVIEWER, SPECIALIST, Stack
from tests.domain.test_whitelist import code, csv_bytes, row, xlsx_bytes

pytestmark = pytest.mark.e2e

NANSHAN_REVIEWER = (Role.DISTRICT_REVIEWER, "office-nanshan", District.NANSHAN)
CITY = (Role.CITY_ADMIN, "city-amr", None)


async def send(
    stack: Stack, who: tuple[Role, str, District | None], content: bytes, name: str = "白名单.csv", **headers: str
) -> tuple[int, dict[str, Any]]:
    response = await stack.client.post(
        "/whitelist/imports",
        files={"file": (name, content, "application/octet-stream")},
        data={"district": "guangming"},
        headers=stack.headers(who) | headers,
    )
    return response.status_code, response.json()


async def imports(stack: Stack) -> int:
    async with stack.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(WhitelistImport))).scalar_one())


def bad_code(n: int) -> str:
    good = code(n)
    return good[:-1] + ("0" if good[-1] != "0" else "1")


ROWS = [row(101), row(102, 融资需求="否"), row(101, 企业名称="重复"), row(103, 统一社会信用代码=bad_code(103))]


async def test_upload_review_commit_and_a_reimport_unchanged(stack: Stack) -> None:
    status, uploaded = await send(stack, REVIEWER, csv_bytes(ROWS), **{"Idempotency-Key": "whitelist-1"})
    assert status == 201, uploaded
    assert (uploaded["status"], uploaded["format"], uploaded["encoding"]) == ("reviewing", "csv", "utf-8-sig")
    assert uploaded["counts"] == {"new": 2, "updated": 0, "unchanged": 0, "invalid": 1, "duplicate": 1}
    assert [(r["number"], r["result"]) for r in uploaded["rows"]] == [
        (2, "new"), (3, "new"), (4, "duplicate"), (5, "invalid")
    ]  # fmt: skip
    again = (await send(stack, REVIEWER, csv_bytes(ROWS), **{"Idempotency-Key": "whitelist-1"}))[1]
    assert again["id"] == uploaded["id"]  # the retry is the same import
    listed = await stack.get("/whitelist?q=示例10", REVIEWER)
    assert listed["items"] == []  # nothing written before the commit

    base = f"/whitelist/imports/{uploaded['id']}"
    rejected = await stack.get(f"{base}?rejected=true", REVIEWER)
    assert rejected["counts"] == uploaded["counts"]  # as stored
    assert [(r["number"], r["result_label"]) for r in rejected["rows"]] == [(4, "重复"), (5, "有误")]
    assert "check character is wrong" in rejected["rows"][1]["reason"]
    workbook = await stack.client.get(f"{base}/errors.xlsx", headers=stack.headers(REVIEWER))
    assert workbook.status_code == 200
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "错误原因" in strings
    assert "check character is wrong" in strings
    assert "重复" in strings

    committed = await stack.post(f"{base}/commit", REVIEWER, {})
    assert (committed["status"], committed["written"]) == ("committed", 2)
    twice = await stack.client.post(f"{base}/commit", headers=stack.headers(REVIEWER))
    assert twice.status_code == 409
    listed = await stack.get("/whitelist?q=示例10", REVIEWER)
    assert sorted(e["credit_code"] for e in listed["items"]) == sorted([code(101), code(102)])
    needing = await stack.get("/whitelist?financing_need=true&category=high_tech&q=示例10", REVIEWER)
    assert [e["credit_code"] for e in needing["items"]] == [code(101)]
    assert needing["items"][0]["category_labels"] == ["高新技术企业", "专精特新企业"]

    changed = [row(101), row(102, 融资需求="是")]
    status, reimport = await send(stack, REVIEWER, xlsx_bytes(changed), name="白名单.xlsx")
    assert status == 201, reimport
    assert (reimport["format"], reimport["counts"]["unchanged"], reimport["counts"]["updated"]) == ("xlsx", 1, 1)


@pytest.mark.parametrize(
    ("content", "status", "said"),
    [
        (b"%PDF-1.7\n%%EOF", 415, "neither a CSV nor an Excel"),
        (b"PK\x03\x04 not really a workbook", 422, "corrupt"),
        ("企业名称,年度\n某公司,2026\n".encode(), 422, "统一社会信用代码"),
        (b"\xff\xfe\xfd\xfc", 422, "neither UTF-8 nor GB18030"),
    ],
)
async def test_a_bad_file_is_refused_whole_and_stores_nothing(
    stack: Stack, content: bytes, status: int, said: str
) -> None:
    before = await imports(stack)
    got, body = await send(stack, REVIEWER, content)
    assert (got, said in body["detail"]) == (status, True), body
    assert await imports(stack) == before


async def test_a_gb18030_file_from_office_software_is_read(stack: Stack) -> None:
    status, uploaded = await send(stack, REVIEWER, csv_bytes([row(201)], "gb18030"))
    assert (status, uploaded["encoding"], uploaded["counts"]["new"]) == (201, "gb18030", 1)
    assert uploaded["rows"][0]["cells"]["name"] == "深圳光明示例201有限公司"


async def test_only_the_districts_office_manages_its_list(stack: Stack) -> None:
    status, uploaded = await send(stack, REVIEWER, csv_bytes([row(301)]))
    assert status == 201
    for who in (NANSHAN_REVIEWER, OFFICER, SPECIALIST):
        assert (await send(stack, who, csv_bytes([row(302)])))[0] == 403
        seen = await stack.client.get(f"/whitelist/imports/{uploaded['id']}", headers=stack.headers(who))
        assert seen.status_code == 404
    assert (await stack.get(f"/whitelist/imports/{uploaded['id']}", CITY))["id"] == uploaded["id"]
    refused = await stack.client.get("/whitelist?district=guangming", headers=stack.headers(NANSHAN_REVIEWER))
    assert refused.status_code == 403


async def test_a_nul_deep_in_the_file_is_dropped_not_a_500(stack: Stack) -> None:
    padding = [row(400 + n) for n in range(60)]  # past the first 4 KiB, where binary files are told apart
    named = row(499, 企业名称="深圳\x00某公司")
    status, uploaded = await send(stack, REVIEWER, csv_bytes([*padding, named]))
    assert status == 201, uploaded
    last = (await stack.get(f"/whitelist/imports/{uploaded['id']}?rejected=false", REVIEWER))["rows"][-1]
    assert (last["cells"]["name"], last["result"]) == ("深圳某公司", "new")
