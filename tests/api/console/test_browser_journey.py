"""A loan from application to disbursement and its first repayment, every step clicked in the console by the
party whose step it is, over the real stack."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Browser

from tests.api.bodies import PROPOSAL, QUALIFIED, application, valuation
from tests.api.console.browser import person
from tests.api.loan_stack import OFFICER, Stack, open_case, today
from tests.api.step_loans import new_asset

pytestmark = pytest.mark.browser


async def test_from_application_to_disbursement_by_clicking(stack: Stack, browser: Browser, base: str) -> None:
    loan_id = await open_case(stack)
    asset = await new_asset(stack)
    visit = {"visited_on": today(), "people": ["周光明"], "place": "光明区", "outcome": "有融资需求"}
    async with person(browser, base) as specialist:
        await specialist.sign_in("specialist.zhou@gxz")
        await specialist.take(loan_id, "log_visit", visit)
        await specialist.take(loan_id, "review_qualification", QUALIFIED)
        await specialist.take(loan_id, "submit_application", application(asset), shot="step-form-application")
    async with person(browser, base) as valuer:
        await valuer.sign_in("valuer.sun@demo")
        await valuer.take(loan_id, "submit_valuation", valuation(asset, f"深评[{loan_id}]"))
        await valuer.accessible()
        await valuer.screenshot("loan-valuer")
    async with person(browser, base) as officer:
        await officer.sign_in("officer.li@boc")
        await officer.take(loan_id, "accept_valuation", {})
        await officer.take(loan_id, "propose_terms", PROPOSAL, shot="step-form-proposal")
    async with person(browser, base) as approver:
        await approver.sign_in("approver.wang@boc")
        await approver.take(loan_id, "decide_approval", {"approve": True, "reason": "同意"})
    async with person(browser, base) as guarantor:
        await guarantor.sign_in("guarantor.chen@szg")
        await guarantor.take(loan_id, "sign_off", {"contract_number": "深担保字0001", "fee": "30000.00"})
        await guarantor.accessible()
        await guarantor.screenshot("loan-guarantor")
    registered = {
        "asset_id": asset,
        "registered": True,
        "registration_number": f"Y{uuid.uuid4().int % 10**12:012d}",
        "effective_date": today(),
    }
    disbursement = {"contract_number": "中银借字001", "amount": "3000000.00", "disbursed_on": today(), "voucher": "V1"}
    async with person(browser, base) as officer:
        await officer.sign_in("officer.li@boc")
        await officer.take(loan_id, "file_registration", {"asset_id": asset, "channel": "online", "filed_on": today()})
        await officer.take(loan_id, "record_registration_outcome", registered)
        await officer.take(loan_id, "disburse", disbursement)
        assert officer.dialogs == ["此操作不可撤销，确定提交吗？"]  # disbursing asks first; the others did not
        page = officer.page
        assert await page.locator("#position").count() == 1  # what the loan owes today
        assert await page.locator("[data-stage]").get_attribute("data-stage") == "servicing"
        first = page.locator("#schedule tbody tr").first
        assert await first.locator("td").last.inner_text() == "upcoming"
        await officer.accessible()
        await officer.screenshot("loan-servicing-bank")

        schedule = await stack.get(f"/loans/{loan_id}/schedule", OFFICER)
        paid = {"amount": schedule[0]["total"], "value_date": today(), "reference": "回单1"}
        await officer.take(loan_id, "record_repayment", paid)
        assert await page.locator("#schedule tbody tr").first.locator("td").last.inner_text() == "paid"
        # The book: the loan on the watch list with its next due date, and in the portfolio chart.
        await officer.open("/console/watch?classification=normal")
        row = page.locator(f"#watch tr:has(a[href='/console/loans/{loan_id}'])")
        assert await row.locator("td").last.inner_text() == schedule[1]["due_date"]
        await officer.accessible()
        await officer.screenshot("watch-list")
        await officer.open("/console/portfolio")
        await page.wait_for_selector("#chart-by-classification[data-drawn=true] svg")
        assert "正常" in await page.locator("#table-by-classification").inner_text()
        await officer.accessible()
        await officer.screenshot("portfolio")
    assert (await stack.state(loan_id))["stage"] == "servicing"
