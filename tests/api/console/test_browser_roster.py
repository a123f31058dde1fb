"""A station's roster and an enterprise's assignment in the console, in Chromium: the district's reviewer opens the
district's stations, adds a specialist to a station's roster, and assigns an enterprise to the station and that
specialist from its service record."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.api.console.browser import person

pytestmark = pytest.mark.browser


async def test_a_reviewer_adds_a_specialist_and_assigns_an_enterprise(browser: Browser, base: str) -> None:
    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        page = reviewer.page
        await page.click("nav >> text=服务站")
        async with page.expect_navigation():
            await page.click("#stations tr[data-station='station-guangming'] a.roster")
        # Refused, nothing written: a specialist without a sign-in account, then a phone that is no number.
        await page.fill("#f-id", "chen-gxz")
        await page.fill("#f-name", "陈专员")
        async with page.expect_navigation():
            await page.click("#member-submit")
        await expect(page.locator(".refusal")).to_contain_text("sign-in subject")
        await page.fill("#f-id", "chen-gxz")  # the refused form comes back empty
        await page.fill("#f-name", "陈专员")
        await page.fill("#f-sub", "chen@gxz")
        await page.fill("#f-phone", "call me")
        async with page.expect_navigation():
            await page.click("#member-submit")
        await expect(page.locator(".refusal")).to_contain_text("phone")
        assert await page.locator("#members tr[data-member='chen-gxz']").count() == 0
        await page.fill("#f-id", "chen-gxz")
        await page.fill("#f-name", "陈专员")
        await page.select_option("#f-kind", "specialist")
        await page.fill("#f-sub", "chen@gxz")
        await page.fill("#f-phone", "")
        await reviewer.accessible()
        async with page.expect_navigation():
            await page.click("#member-submit")
        await expect(page.locator("#members tr[data-member='chen-gxz']")).to_contain_text("陈专员")
        await reviewer.screenshot("station-roster")

        await reviewer.open("/console/enterprises/ent-guangming-demo/service-record")
        await page.select_option("#f-choice", "station-guangming/chen-gxz")
        async with page.expect_navigation():
            await page.click("#assign-submit")
        await expect(page.locator("#assignment")).to_contain_text("陈专员")
        await reviewer.accessible()
