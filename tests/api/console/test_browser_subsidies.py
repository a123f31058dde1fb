"""Subsidy policies and the calculator in the console: a district reviewer revises the district's policy, and a
specialist sees a loan's claim computed under it — in Chromium over the real stack; then the revision form's rules
over HTTP (who may, the CSRF token, the same form sent twice)."""

from __future__ import annotations

import asyncio
import re
from decimal import ROUND_DOWN, Decimal

import httpx
import pytest
from playwright.async_api import Browser, expect
from sqlalchemy import func, select
from sqlmodel import col

from services.store.subsidy_tables import SubsidyPolicy
from tests.api.console.browser import fill, person
from tests.api.console.test_reference_pages import signed_in
from tests.api.loan_stack import OFFICER, Stack, disbursed, today

pytestmark = pytest.mark.browser


async def versions(stack: Stack, district: str) -> int:
    async with stack.sessions() as session:
        query = select(func.count()).where(col(SubsidyPolicy.district) == district)
        return int((await session.execute(query)).scalar_one())


async def repaid_once(stack: Stack, asset: str) -> tuple[str, Decimal]:
    loan_id = await disbursed(stack, asset)
    first = (await stack.get(f"/loans/{loan_id}/schedule", OFFICER))[0]
    body = {"amount": first["total"], "value_date": today(), "reference": "回单1"}
    await stack.post(f"/loans/{loan_id}/repayments", OFFICER, body)
    payments = (await stack.state(loan_id))["servicing"]["payments"]
    return loan_id, Decimal(payments[0]["allocation"]["interest"])


async def test_a_reviewer_revises_and_the_calculator_follows(stack: Stack, browser: Browser, base: str) -> None:
    loan_id, interest = await repaid_once(stack, "ip-gm-inv-1")
    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        page = reviewer.page
        await page.click("nav >> text=资助政策")
        await page.wait_for_url(f"{base}/console/subsidies")
        await page.select_option("select[name=district]", "guangming")
        async with page.expect_navigation():
            await page.click("form.filters button")
        assert await page.locator("#policies tbody tr").count() == 2
        await reviewer.accessible()
        await reviewer.screenshot("subsidy-policies")

        await page.click("a[href='/console/subsidies/guangming-2026-v2']")
        await page.wait_for_url(f"{base}/console/subsidies/guangming-2026-v2")
        micro = page.locator("[data-kind=interest] tr[data-size=micro]")
        assert "80.00%" in await micro.inner_text()
        assert "贷款付息凭证" in await page.locator("[data-kind=interest] .materials").inner_text()
        await reviewer.accessible()
        await reviewer.screenshot("subsidy-policy")

        await page.click("#revise")
        await page.wait_for_selector("#step-form")
        await fill(page, {"effective_from": today(), "reason": "修订：小型企业贴息比例提高至75%"})
        await page.fill("input[name='interest_ratio_percent.small']", "75")
        await reviewer.accessible()
        await reviewer.screenshot("subsidy-revise")
        async with page.expect_navigation():
            await page.click("#step-submit")
        assert page.url == f"{base}/console/subsidies/guangming-2026-v3"
        assert "75.00%" in await page.locator("[data-kind=interest] tr[data-size=small]").inner_text()

    async with person(browser, base) as specialist:
        await specialist.sign_in("specialist.zhou@gxz")
        page = specialist.page
        await specialist.open(f"/console/loans/{loan_id}")
        await page.click("#subsidy-estimate")
        await page.wait_for_url(f"{base}/console/loans/{loan_id}/subsidy")
        assert "v3" in await page.locator("#estimate-result a").get_attribute("href")  # type: ignore[operator]
        expected = (interest * Decimal("0.75")).quantize(Decimal("0.01"), ROUND_DOWN)
        assert await page.locator("#estimate-amount").inner_text() == f"¥{expected:,.2f}"
        await specialist.accessible()
        await specialist.screenshot("subsidy-estimate")

        await page.select_option("#f-kind", "guarantee_fee")  # 30,000 × 70 %, by an htmx update in place
        await page.click("#estimate-submit")
        # (Playwright's `expect` polls from outside the page: the console's CSP forbids a string evaluated in it.)
        await expect(page.locator("#estimate-amount")).to_have_text("¥21,000.00")
        assert "kind=guarantee_fee" in page.url  # the choice lives in the URL


async def form_of(client: httpx.AsyncClient, policy_id: str) -> dict[str, str]:
    page = await client.get(f"/console/subsidies/{policy_id}/revise")
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)" value="([^"]*)"', page.text))
    fields.pop("idempotency_key", None)
    return fields | {"csrf_token": token.group(1), "effective_from": today(), "reason": "修订：预算调整"}


class TestRevisionForm:
    async def test_the_same_revision_sent_twice_publishes_one_version(self, stack: Stack) -> None:
        await signed_in(stack.client, "admin.zheng@city")
        form = await form_of(stack.client, "nanshan-2026-v1") | {"budget": "25000000.00"}
        before = await versions(stack, "nanshan")
        first, second = await asyncio.gather(
            stack.client.post("/console/subsidies/nanshan-2026-v1/revise", data=form),
            stack.client.post("/console/subsidies/nanshan-2026-v1/revise", data=form),
        )
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        assert await versions(stack, "nanshan") == before + 1

    async def test_another_districts_reviewer_is_refused_and_nothing_is_published(self, stack: Stack) -> None:
        await signed_in(stack.client, "admin.zheng@city")
        form = await form_of(stack.client, "nanshan-2026-v1")
        await signed_in(stack.client, "reviewer.wu@guangming")
        before = await versions(stack, "nanshan")
        page = await stack.client.get("/console/subsidies/nanshan-2026-v1")
        assert 'id="revise"' not in page.text  # no button for what the API would refuse
        refused = await stack.client.post("/console/subsidies/nanshan-2026-v1/revise", data=form)
        assert refused.status_code == 403
        assert await versions(stack, "nanshan") == before

    async def test_a_form_without_its_token_or_with_a_past_day_changes_nothing(self, stack: Stack) -> None:
        await signed_in(stack.client, "reviewer.wu@guangming")
        form = await form_of(stack.client, "guangming-2026-v1")
        before = await versions(stack, "guangming")
        no_token = {k: v for k, v in form.items() if k != "csrf_token"}
        assert (
            await stack.client.post("/console/subsidies/guangming-2026-v1/revise", data=no_token)
        ).status_code == 403
        past = await stack.client.post(
            "/console/subsidies/guangming-2026-v1/revise", data=form | {"effective_from": "2026-01-05"}
        )
        assert past.status_code == 422
        assert "takes effect today" in past.text
        half = await stack.client.post(
            "/console/subsidies/guangming-2026-v1/revise", data=form | {"interest_annual_cap.small": ""}
        )
        assert half.status_code == 422
        assert "小型企业的比例与上限须同时填写或同时留空" in half.text
        assert await versions(stack, "guangming") == before
