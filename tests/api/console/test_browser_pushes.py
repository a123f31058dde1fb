"""Pushing white-listed enterprises to a bank in the console, in Chromium: the district's reviewer checks three
enterprises on the list and pushes them to a bank; the bank's officer finds them waiting, declines one with a reason
and accepts another — its case opens — and the district sees the answers and the bank's conversion; the
specialist of the district's station finds the new case on the board."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.api.console.browser import person
from tests.api.loan_stack import Stack
from tests.api.test_whitelist_pushes import DEMO, listed
from tests.domain.test_whitelist import code

pytestmark = pytest.mark.browser


async def test_a_district_pushes_three_enterprises_and_the_bank_accepts_one(
    stack: Stack, browser: Browser, base: str
) -> None:
    codes = [DEMO, code(801), code(802)]
    await listed(stack, *codes)
    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        page = reviewer.page
        await reviewer.open("/console/whitelist")
        for credit_code in codes:
            await page.check(f"#push-{credit_code}")
        await page.check("#push-banks input[value='boc-shenzhen']")
        await reviewer.accessible()
        await reviewer.screenshot("whitelist-push-form")
        async with page.expect_navigation():
            await page.click("#push-submit")
        assert await page.locator("#pushes tr[data-status=waiting]").count() == 3

    async with person(browser, base) as officer:
        await officer.sign_in("officer.li@boc")
        page = officer.page
        await page.click("nav >> text=白名单推送")
        await page.wait_for_url(f"{base}/console/whitelist/pushes")
        await officer.accessible()
        await officer.screenshot("pushes-waiting-for-the-bank")
        declined = page.locator(f"#pushes tr[data-code='{code(801)}']")
        await declined.locator("input[name=reason]").fill("暂无合适产品")
        async with page.expect_navigation():
            await declined.locator("button.decline").click()
        assert await page.locator(f"#pushes tr[data-code='{code(801)}']").get_attribute("data-status") == "declined"
        async with page.expect_navigation():
            await page.locator(f"#pushes tr[data-code='{DEMO}'] button.accept").click()
        accepted = page.locator(f"#pushes tr[data-code='{DEMO}']")
        assert await accepted.get_attribute("data-status") == "accepted"
        async with page.expect_navigation():
            await accepted.locator("a.case-link").click()
        assert "深圳光明演示科技" in await page.locator("h1").inner_text()
        loan_id = page.url.rstrip("/").rsplit("/", 1)[-1]

    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        await reviewer.open("/console/whitelist/pushes")
        boc = reviewer.page.locator("#conversion tr[data-bank='boc-shenzhen'] td.num")
        assert [await boc.nth(i).inner_text() for i in range(1, 4)] == ["1", "1", "1"]  # waiting, accepted, declined
        await reviewer.accessible()
        await reviewer.screenshot("pushes-of-the-district")

    async with person(browser, base) as specialist:  # the district's station follows the new case
        await specialist.sign_in("specialist.zhou@gxz")
        await specialist.open("/console/stations/station-guangming")
        assert await specialist.page.locator(f"#board tr[data-loan='{loan_id}']").count() == 1
