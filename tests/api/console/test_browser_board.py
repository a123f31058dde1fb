"""A specialist's board in the console, in Chromium: a case idle past its stage's limit shows stalled; the specialist
opens it, logs a visit through the step form, and back on the board the flag has cleared."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from tests.api.console.browser import person
from tests.api.loan_stack import Stack, open_case, today
from tests.api.test_station_board import idle_for

pytestmark = pytest.mark.browser


async def test_a_stalled_case_clears_once_the_specialist_logs_a_visit(
    stack: Stack, browser: Browser, base: str
) -> None:
    loan_id = await open_case(stack)
    await idle_for(stack, loan_id, 30)
    async with person(browser, base) as specialist:
        await specialist.sign_in("specialist.zhou@gxz")
        page = specialist.page
        await page.click("nav >> text=服务站看板")
        await page.wait_for_url(f"{base}/console/stations/station-guangming")
        row = page.locator(f"#board tr[data-loan='{loan_id}']")
        assert await row.get_attribute("data-stalled") == "true"
        await specialist.accessible()
        await specialist.screenshot("station-board")

        async with page.expect_navigation():
            await row.locator("a[href^='/console/loans/']").click()
        await page.click("[data-action=log_visit]")
        await page.wait_for_selector("#step-form")
        await page.fill("#f-visited_on", today())
        await page.fill("#f-people", "周光明\n李经理")
        await page.fill("#f-place", "光明区企业总部")
        await page.fill("#f-outcome", "了解融资需求，约定下次走访")
        await page.click("#step-form button[type=submit]")
        await page.wait_for_selector("#timeline li:nth-child(2)")

        await specialist.open("/console/stations/station-guangming?stalled=false")
        cleared = page.locator(f"#board tr[data-loan='{loan_id}']")
        assert await cleared.get_attribute("data-stalled") == "false"
        async with page.expect_navigation():
            await cleared.locator("a.service-record").click()
        assert int(await page.locator("#visits").inner_text()) >= 1
        assert await page.locator("#touches tr[data-kind=visit_logged]").count() >= 1
        await specialist.accessible()
        await specialist.screenshot("service-record")
