"""Journeys through the console's loan pages in Chromium, over the real stack (API, worker, PostgreSQL, Temporal)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser

from tests.api.console.browser import chromium, person, served
from tests.api.loan_stack import Stack, open_case

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest.fixture(scope="module")
async def base(stack: Stack) -> AsyncIterator[str]:
    async with served(stack) as url:
        yield url


class TestCaseToLoanPage:
    async def test_a_specialist_finds_the_case_and_sees_what_to_do_next(
        self, stack: Stack, browser: Browser, base: str
    ) -> None:
        loan_id = await open_case(stack)
        async with person(browser, base) as specialist:
            await specialist.sign_in("specialist.zhou@gxz")
            assert await specialist.page.locator("h1").inner_text() == "待办"
            await specialist.accessible()
            await specialist.screenshot("home-specialist")

            await specialist.page.click("nav >> text=案件")
            await specialist.page.wait_for_url(f"{base}/console/loans")
            await specialist.page.click(f"a[href='/console/loans/{loan_id}']")
            await specialist.page.wait_for_url(f"{base}/console/loans/{loan_id}")
            assert await specialist.page.locator("[data-stage]").inner_text() == "贷前指导"
            visit = specialist.page.locator("button[data-action='log_visit']")
            assert await visit.is_enabled()
            await specialist.accessible()
            await specialist.screenshot("loan-guidance-specialist")

    async def test_the_case_list_keeps_its_filter_in_the_url(self, stack: Stack, browser: Browser, base: str) -> None:
        await open_case(stack)
        async with person(browser, base) as officer:
            await officer.sign_in("specialist.zhou@gxz")
            await officer.open("/console/loans")
            await officer.page.select_option("select[name=stage]", "servicing")
            await officer.page.wait_for_url(f"{base}/console/loans?stage=servicing&enterprise=")
            await officer.page.reload()
            assert await officer.page.locator("select[name=stage]").input_value() == "servicing"
            await officer.accessible()
            await officer.screenshot("case-list-filtered")

    async def test_another_banks_officer_gets_not_found(self, stack: Stack, browser: Browser, base: str) -> None:
        loan_id = await open_case(stack)
        async with person(browser, base) as stranger:
            await stranger.sign_in("officer.liu@icbc")
            response = await stranger.open(f"/console/loans/{loan_id}")
            assert response.status == 404
            assert "无权查看" in await stranger.page.locator("[role=alert]").inner_text()
            await stranger.accessible()
