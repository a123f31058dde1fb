"""A round from its public notice to payment in the console, in Chromium, the workflows on a time-skipping server
of this module's own: the reviewer publishes the notice, the notice's working days pass (the durable timers fire),
the reviewer issues the funding plan — cut pro rata to the budget — and records a payment on the claim's page."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.async_api import Browser
from temporalio.testing import WorkflowEnvironment

from services.domain.calendar import SHANGHAI, end_of_day
from services.platform.embedded import EmbeddedPostgres
from tests.api.console.browser import person
from tests.api.console.test_browser_claims import take
from tests.api.loan_stack import Stack, running_stack
from tests.api.test_subsidy_claims import filing, prepare, upload
from tests.api.test_subsidy_rounds import approved, clock  # noqa: F401 - the module's own time-skipping server

pytestmark = pytest.mark.browser

BUDGET = Decimal("5000.00")


@pytest.fixture(scope="module")
async def stack(postgres: EmbeddedPostgres, clock: WorkflowEnvironment) -> AsyncIterator[Stack]:  # noqa: F811
    """The API and a worker on the time-skipping `clock` (served to Chromium by the console's `base` fixture)."""
    async with running_stack(postgres, clock.client, task_queue=f"round-journey-{uuid.uuid4().hex}") as running:
        yield running


async def test_a_round_from_its_notice_through_the_funding_plan_to_a_payment(
    stack: Stack,
    clock: WorkflowEnvironment,  # noqa: F811
    browser: Browser,
    base: str,
) -> None:
    setting = await prepare(stack, budget=f"{BUDGET}")
    interest = await approved(stack, filing(setting))
    documents = setting["documents"] | {
        code: await upload(stack, code) for code in ("valuation_contract", "valuation_invoice", "bank_transfer_voucher")
    }
    valuation = await approved(stack, filing(setting, kind="valuation_fee", documents=documents))
    assert Decimal(interest["approved"]) + Decimal(valuation["approved"]) > BUDGET
    round_path = f"/console/subsidies/rounds/{setting['round']}"

    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        page = reviewer.page
        await reviewer.open(round_path)
        assert await page.locator("#issue-plan").is_disabled()  # nothing has come through a notice yet
        async with page.expect_navigation():
            await page.click("#publish-notice")
        ends = date.fromisoformat(await page.locator("#notice [data-ends]").first.get_attribute("data-ends") or "")

        now = await clock.get_current_time()
        await clock.sleep(end_of_day(ends) - now + timedelta(hours=1))  # the notice's working days pass
        await reviewer.open(round_path)
        assert await page.locator("#noticed-count").inner_text() == "2"
        async with page.expect_navigation():
            await page.click("#issue-plan")
        assert await page.locator("#h-plan ~ .tag").count() == 1  # 预算不足，已按比例核减
        funded = {
            claim: Decimal(
                await page.locator(f"#plan tr[data-claim='{claim}'] [data-funded]").get_attribute("data-funded") or ""
            )
            for claim in (interest["id"], valuation["id"])
        }
        assert sum(funded.values()) == BUDGET  # to the fen
        await reviewer.accessible()
        await reviewer.screenshot("round-funding-plan")

        paid_on = (await clock.get_current_time()).astimezone(SHANGHAI).date().isoformat()
        share = funded[interest["id"]]
        body = {"amount": f"{share}", "paid_on": paid_on, "voucher": "国库集中支付0001"}
        await take(reviewer, interest["id"], "record_payment", body, shot="claim-payment-form")
        assert await page.locator("[data-status]").inner_text() == "已拨付（跟踪监管中）"
        assert await page.locator("#paid").inner_text() == f"¥{share:,.2f}"
        assert await page.locator("#funded").inner_text() == f"¥{share:,.2f}"
        await reviewer.accessible()
        await reviewer.screenshot("claim-paid")
