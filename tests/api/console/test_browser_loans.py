"""Journeys through the console's loan pages in Chromium, over the real stack (API, worker, PostgreSQL, Temporal)."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from tests.api.console.browser import person
from tests.api.loan_stack import Stack, open_case, today

pytestmark = pytest.mark.browser


class TestCaseToLoanPage:
    async def test_a_specialist_finds_the_case_and_sees_what_to_do_next(
        self, stack: Stack, browser: Browser, base: str
    ) -> None:
        loan_id = await open_case(stack)
        async with person(browser, base) as specialist:
            await specialist.sign_in("specialist.zhou@gxz")
            assert await specialist.page.locator("h1").inner_text() == "待办"
            waiting = specialist.page.locator(f"#waiting tr:has(a[href='/console/loans/{loan_id}'])")
            steps = await waiting.inner_text()
            assert "资质审查" in steps  # the step the case waits for
            assert "登记走访" not in steps  # possible all along: nothing waits for it
            await specialist.accessible()
            await specialist.screenshot("home-specialist")

            await specialist.page.click("nav >> text=案件")
            await specialist.page.wait_for_url(f"{base}/console/loans")
            row = specialist.page.locator(f"#cases tr:has(a[href='/console/loans/{loan_id}'])")
            assert "资质审查" in await row.locator("td.next").inner_text()  # the next step, from the read model
            await specialist.page.click(f"a[href='/console/loans/{loan_id}']")
            await specialist.page.wait_for_url(f"{base}/console/loans/{loan_id}")
            assert await specialist.page.locator("[data-stage]").inner_text() == "贷前指导"
            visit = specialist.page.locator("[data-action='log_visit']")
            assert await visit.get_attribute("href") == f"/console/loans/{loan_id}/steps/log_visit"
            assert await specialist.page.locator("button[data-action='submit_application']").is_disabled()
            await specialist.accessible()
            await specialist.screenshot("loan-guidance-specialist")

    async def test_the_case_list_keeps_its_filter_in_the_url(self, stack: Stack, browser: Browser, base: str) -> None:
        await open_case(stack)
        async with person(browser, base) as officer:
            await officer.sign_in("specialist.zhou@gxz")
            await officer.open("/console/loans")
            await officer.page.select_option("select[name=stage]", "servicing")
            await officer.page.wait_for_url("**/console/loans?*stage=servicing*")
            await officer.page.select_option("select[name=sort]", "opened")
            await officer.page.wait_for_url("**sort=opened*")
            await officer.page.reload()
            assert await officer.page.locator("select[name=stage]").input_value() == "servicing"
            assert await officer.page.locator("select[name=sort]").input_value() == "opened"
            await officer.accessible()
            await officer.screenshot("case-list-filtered")

    async def test_the_sign_in_page_is_accessible(self, browser: Browser, base: str) -> None:
        async with person(browser, base) as someone:
            await someone.open("/console/sign-in")
            await someone.accessible()
            await someone.screenshot("sign-in")

    async def test_another_banks_officer_gets_not_found(self, stack: Stack, browser: Browser, base: str) -> None:
        loan_id = await open_case(stack)
        async with person(browser, base) as stranger:
            await stranger.sign_in("officer.liu@icbc")
            response = await stranger.open(f"/console/loans/{loan_id}")
            assert response.status == 404
            assert "无权查看" in await stranger.page.locator("[role=alert]").inner_text()
            await stranger.accessible()


async def tab_to(page: Page, element_id: str) -> None:
    """Press Tab until `element_id` has the focus (a date field takes a Tab per part of the date)."""
    for _ in range(12):
        if await page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


async def visits_of(stack: Stack, loan_id: str) -> int:
    return len((await stack.state(loan_id))["visits"])


class TestStepForms:
    async def fill_visit(self, page: Page, day: str, place: str) -> None:
        await page.click("[data-action=log_visit]")
        await page.wait_for_selector("#step-form")
        await page.fill("#f-visited_on", day)
        await page.fill("#f-people", "周光明\n李经理")
        await page.fill("#f-place", place)
        await page.fill("#f-outcome", "企业有融资需求")

    async def test_a_specialist_opens_a_case_and_logs_two_visits_by_clicking(
        self, stack: Stack, browser: Browser, base: str
    ) -> None:
        async with person(browser, base) as specialist:
            await specialist.sign_in("specialist.zhou@gxz")
            await specialist.open("/console/loans")
            await specialist.page.click("#open-case")
            await specialist.page.select_option("#f-enterprise_id", "ent-guangming-demo")
            await specialist.page.fill("#f-note", "白名单企业，走访了解融资需求")
            await specialist.accessible()
            await specialist.screenshot("open-case")
            async with specialist.page.expect_navigation():
                await specialist.page.click("#open-submit")
            loan_id = specialist.page.url.rsplit("/", 1)[1]
            assert (await stack.state(loan_id))["stage"] == "guidance"
            for n, place in enumerate(("光明区科技园", "光明区企业总部")):
                await self.fill_visit(specialist.page, today(), place)
                if n == 0:
                    await specialist.accessible()
                    await specialist.screenshot("step-form-visit")
                await specialist.page.click("#step-form button[type=submit]")
                await specialist.page.wait_for_selector(f"#timeline li:nth-child({n + 2})")
            assert await visits_of(stack, loan_id) == 2
            assert "光明区企业总部" in str((await stack.state(loan_id))["visits"])

    async def test_a_refused_step_shows_the_apis_message_and_changes_nothing(
        self, stack: Stack, browser: Browser, base: str
    ) -> None:
        loan_id = await open_case(stack)
        async with person(browser, base) as specialist:
            await specialist.sign_in("specialist.zhou@gxz")
            await specialist.open(f"/console/loans/{loan_id}")
            await self.fill_visit(specialist.page, "2001-01-01", "光明区")
            await specialist.page.click("#step-form button[type=submit]")
            refusal = specialist.page.locator("#step-form [role=alert]")
            await refusal.wait_for()
            assert "2001-01-01" in await refusal.inner_text()
            assert await visits_of(stack, loan_id) == 0

            await specialist.page.fill("#f-place", "")  # the model's own message, field by field
            await specialist.page.fill("#f-visited_on", today())
            await specialist.page.click("#step-form button[type=submit]")
            problem = specialist.page.locator("#f-place-problem")
            await problem.wait_for()
            assert await problem.inner_text() == "this field is required"
            assert await visits_of(stack, loan_id) == 0
            await specialist.screenshot("step-form-refused")

    async def test_a_double_submit_acts_once(self, stack: Stack, browser: Browser, base: str) -> None:
        loan_id = await open_case(stack)
        async with person(browser, base) as specialist:
            await specialist.sign_in("specialist.zhou@gxz")
            await specialist.open(f"/console/loans/{loan_id}")
            await self.fill_visit(specialist.page, today(), "光明区")
            # The same form sent twice at once, as a double click that got past the disabled button would.
            statuses = await specialist.page.evaluate(
                """async () => {
                    const form = document.getElementById("step-form");
                    const body = () => new URLSearchParams(new FormData(form));
                    const send = () => fetch(form.action, {method: "POST", body: body()});
                    const answers = await Promise.all([send(), send()]);
                    return answers.map(a => a.status);
                }"""
            )
            assert statuses == [200, 200]  # both followed the redirect to the loan page
            assert await visits_of(stack, loan_id) == 1

    async def test_keyboard_only(self, stack: Stack, browser: Browser, base: str) -> None:
        loan_id = await open_case(stack)
        async with person(browser, base) as specialist:
            await specialist.sign_in("specialist.zhou@gxz")
            await specialist.open(f"/console/loans/{loan_id}")
            await specialist.page.focus("[data-action=log_visit]")
            await specialist.page.keyboard.press("Enter")
            await specialist.page.wait_for_selector("#step-form")
            page = specialist.page
            await page.keyboard.press("Tab")  # from the step's button into its form: the first field, the date
            await tab_to(page, "f-visited_on")
            year, month, day = today().split("-")
            # Debian's Chromium orders a date field's parts month/day/year whatever the locale (tried: zh-CN too);
            # each part's last digit moves on to the next.
            await page.keyboard.type(month + day + year)
            assert await page.input_value("#f-visited_on") == today()
            for field, text in (("f-people", "周光明"), ("f-place", "光明区"), ("f-outcome", "有融资需求")):
                await tab_to(page, field)
                await page.keyboard.type(text)
            await tab_to(page, "step-submit")
            await page.keyboard.press("Enter")
            await specialist.page.wait_for_selector("#timeline li:nth-child(2)")
            assert await visits_of(stack, loan_id) == 1


class TestReferencePages:
    async def test_an_admin_reads_and_registers_reference_data(self, browser: Browser, base: str) -> None:
        async with person(browser, base) as admin:
            await admin.sign_in("ops@pledgeflow")
            for slug in ("enterprises", "ip-assets", "products", "lpr"):
                await admin.open(f"/console/reference/{slug}")
                assert await admin.page.locator("#reference tbody tr").count() >= 1
                await admin.accessible()
                await admin.screenshot(f"reference-{slug}")
            await admin.open("/console/reference/lpr")
            await admin.page.fill("#f-effective_date", "2026-11-20")
            await admin.page.fill("#f-one_year_percent", "2.95")
            async with admin.page.expect_navigation():
                await admin.page.click("#step-submit")
            assert "2.9500" in await admin.page.locator("#reference").inner_text()
