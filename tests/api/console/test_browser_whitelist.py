"""The white-list import in the console, in Chromium: a district's reviewer uploads a file with a bad row and a
duplicate, looks at the rows with errors only, downloads them as a workbook with their reasons, commits the good
ones and finds them in the list, filtered — with axe on every page and screenshots."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.async_api import Browser, FilePayload

from tests.api.console.browser import person
from tests.domain.test_whitelist import code, csv_bytes, row

pytestmark = pytest.mark.browser


async def test_a_reviewer_imports_a_file_with_a_bad_row_and_commits_the_good_ones(browser: Browser, base: str) -> None:
    bad = code(903)[:-1] + ("0" if code(903)[-1] != "0" else "1")
    rows = [row(901), row(902, 融资需求="否"), row(901, 企业名称="重复"), row(903, 统一社会信用代码=bad)]
    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        page = reviewer.page
        await page.click("nav >> text=白名单")
        await page.wait_for_url(f"{base}/console/whitelist")
        await reviewer.accessible()
        await page.set_input_files(
            "#import-file",
            files=[FilePayload(name="光明白名单.csv", mimeType="text/csv", buffer=csv_bytes(rows, "gb18030"))],
        )
        await reviewer.screenshot("whitelist-import-form")
        async with page.expect_navigation():
            await page.click("#import-submit")
        assert await page.locator("[data-status]").inner_text() == "待确认"
        assert await page.locator("#counts [data-result=new]").inner_text() == "2"
        assert await page.locator("#rows tr[data-result=duplicate]").count() == 1
        await reviewer.accessible()
        await reviewer.screenshot("whitelist-import-review")

        await page.click("#error-rows")
        assert await page.locator("#rows tr[data-row]").count() == 2
        assert "check character is wrong" in await page.locator("#rows tr[data-row='5']").inner_text()
        async with page.expect_download() as downloading:
            await page.click("#errors-workbook")
        saved = await (await downloading.value).path()
        with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as book:
            assert "错误原因" in book.read("xl/sharedStrings.xml").decode()

        async with page.expect_navigation():
            await page.click("#commit")
        assert await page.locator("[data-status]").inner_text() == "已写入"
        assert await page.locator("#written").inner_text() == "2"
        await reviewer.screenshot("whitelist-import-committed")

        await reviewer.open("/console/whitelist?need=true")
        assert await page.locator(f"#entries tr[data-code='{code(901)}']").count() == 1
        assert await page.locator(f"#entries tr[data-code='{code(902)}']").count() == 0  # no financing need
        await reviewer.accessible()
        await reviewer.screenshot("whitelist-list")


async def test_a_file_that_is_no_table_is_refused_on_the_page(browser: Browser, base: str) -> None:
    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        await reviewer.open("/console/whitelist")
        page = reviewer.page
        await page.set_input_files(
            "#import-file", files=[FilePayload(name="名单.csv", mimeType="text/csv", buffer=b"%PDF-1.7 renamed")]
        )
        async with page.expect_navigation():
            await page.click("#import-submit")
        assert "neither a CSV nor an Excel workbook" in await page.locator("#import-form .refusal").inner_text()
