"""A specialist's board and visit calendar in the console, in Chromium: the home page leads with the station (a
stalled case counted); the board shows the case stalled; the specialist plans a visit from its row, records it done
on the visit's page (the laptop form: who went, the account manager, the documents collected), finds it in the week
and the month, and back on the board the flag has cleared; the service record counts the visit and a call recorded
by hand; the phone-calendar address is given once."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.api.console.browser import person
from tests.api.loan_stack import Stack, open_case, today
from tests.api.test_station_board import idle_for

pytestmark = pytest.mark.browser

STATION = "/console/stations/station-guangming"


async def test_a_specialist_plans_and_logs_a_visit_and_the_stalled_flag_clears(
    stack: Stack, browser: Browser, base: str
) -> None:
    loan_id = await open_case(stack)
    await idle_for(stack, loan_id, 30)
    async with person(browser, base) as specialist:
        await specialist.sign_in("specialist.zhou@gxz")
        page = specialist.page
        assert int(await page.locator("#home-stalled").inner_text()) >= 1
        await expect(page.locator(f"#station-home #board tr[data-loan='{loan_id}']")).to_have_attribute(
            "data-stalled", "true"
        )  # a specialist's home is the station's board
        await specialist.accessible()
        await page.click("nav >> text=服务站看板")
        await page.wait_for_url(f"{base}{STATION}")
        row = page.locator(f"#board tr[data-loan='{loan_id}']")
        assert await row.get_attribute("data-stalled") == "true"
        await specialist.accessible()
        await specialist.screenshot("station-board")

        async with page.expect_navigation():
            await row.locator("a.plan-visit").click()
        assert await page.locator("#f-loan_id").input_value() == f"ent-guangming-demo/{loan_id}"
        await page.fill("#f-planned_on", today())
        await page.fill("#f-starts_at", "09:30")
        await page.fill("#f-place", "光明区企业总部")
        await page.check("input[name=purposes][value=valuation]")
        await page.fill("#f-account_manager", "中行 李经理")
        await specialist.accessible()
        async with page.expect_navigation():
            await page.click("#plan-submit")
        await expect(page.locator("#visit")).to_have_attribute("data-state", "planned")

        await page.fill("#f-people", "周光明")
        await page.fill("#f-outcome", "了解融资需求，约定评估")
        await page.fill("#f-documents", "营业执照\n专利证书")
        await specialist.accessible()
        await specialist.screenshot("visit-form")
        async with page.expect_navigation():
            await page.click("#done-submit")
        await expect(page.locator("#visit")).to_have_attribute("data-state", "done")
        await expect(page.locator("#visit-outcome")).to_contain_text("了解融资需求")

        await specialist.open(f"{STATION}/visits")
        visit = page.locator("#calendar li[data-state=done]").filter(has_text="光明")
        await expect(visit.first).to_be_visible()
        await specialist.screenshot("visit-week")
        async with page.expect_navigation():
            await page.click("#view-month")
        await expect(page.locator("#calendar")).to_have_attribute("data-view", "month")
        await expect(page.locator(f"#calendar td[data-day='{today()}'] li[data-state=done]").first).to_be_visible()
        await specialist.accessible()
        await specialist.screenshot("visit-month")
        async with page.expect_navigation():
            await page.click("#only-mine")  # the visit is the signed-in specialist's own (who goes: from the roster)
        await expect(page.locator(f"#calendar td[data-day='{today()}'] li[data-state=done]").first).to_be_visible()
        async with page.expect_navigation():
            await page.click("#feed-form button")
        assert "/feeds/visits/" in await page.locator("#feed-url").input_value()

        await specialist.open(f"{STATION}?stalled=false")
        cleared = page.locator(f"#board tr[data-loan='{loan_id}']")
        assert await cleared.get_attribute("data-stalled") == "false"
        async with page.expect_navigation():
            await cleared.locator("a.service-record").click()
        assert int(await page.locator("#visits").inner_text()) >= 1
        contacts = int(await page.locator("#contacts").inner_text())
        await page.select_option("#f-kind", "call")
        await page.fill("#f-summary", "电话确认评估时间")
        async with page.expect_navigation():
            await page.click("#touch-submit")
        await expect(page.locator("#contacts")).to_have_text(str(contacts + 1))
        assert await page.locator("#touches tr[data-kind=visit_logged]").count() >= 1
        await specialist.accessible()
        await specialist.screenshot("service-record")
