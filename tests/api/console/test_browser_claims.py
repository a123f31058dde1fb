"""A subsidy claim through the console in Chromium, over the real stack: a reviewer finds it in the queue and returns
it for correction; after the specialist's correction, the reviewer accepts it and proposes the amount, a second
reviewer confirms it, and the round goes on public notice — with axe on every page and screenshots."""

from __future__ import annotations

import asyncio
import struct
import uuid
import zlib
from decimal import Decimal
from typing import Any

import pytest
from playwright.async_api import Browser, FilePayload, expect
from temporalio.client import Client

from contracts.queues import LOANS_TASK_QUEUE
from services.workflows.subsidy_drafting import SUBSIDY_DRAFTING_WORKFLOW_NAME
from tests.api.console.browser import Console, fill, person
from tests.api.loan_stack import ENTERPRISE, OFFICER, REVIEWER, SPECIALIST, Stack, today
from tests.api.test_institution_claims import upload as upload_as
from tests.api.test_subsidy_claims import drafted_for, filing, prepare

pytestmark = pytest.mark.browser


def png(side: int = 4) -> bytes:
    """A real PNG image (`side` pixels square, grey): a scanned page as the browser decodes it."""
    row = b"\x00" + b"\x80" * side
    chunks = [
        (b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)),
        (b"IDAT", zlib.compress(row * side)),
        (b"IEND", b""),
    ]
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(data)) + name + data + struct.pack(">I", zlib.crc32(name + data)) for name, data in chunks
    )


async def take(reviewer: Console, claim_id: str, action: str, body: dict[str, Any], shot: str | None = None) -> None:
    await reviewer.open(f"/console/subsidies/claims/{claim_id}")
    await reviewer.page.click(f"[data-action='{action}']")
    await reviewer.page.wait_for_selector("#step-form")
    await fill(reviewer.page, body)
    if shot is not None:
        await reviewer.accessible()
        await reviewer.screenshot(shot)
    async with reviewer.page.expect_navigation():
        await reviewer.page.click("#step-submit")
    refusal = reviewer.page.locator("#step-form .refusal, #step-form .problem")
    if await refusal.count():
        raise AssertionError(await refusal.first.inner_text())


async def test_a_claim_returned_corrected_reviewed_by_two_and_noticed(
    stack: Stack, browser: Browser, base: str
) -> None:
    setting = await prepare(stack)
    claim = await stack.post("/subsidy-claims", SPECIALIST, filing(setting), expect=201)
    claim_id = claim["id"]
    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        page = reviewer.page
        await page.click("nav >> text=资助申报")
        await page.wait_for_url(f"{base}/console/subsidies/claims")
        assert await page.locator(f"[data-group=waiting_for_you] tr[data-claim='{claim_id}']").count() == 1
        await reviewer.accessible()
        await reviewer.screenshot("claims-queue")

        await page.click(f"[data-group=waiting_for_you] a[href='/console/subsidies/claims/{claim_id}']")
        assert "贷款付息凭证" in await page.locator("#materials").inner_text()
        await reviewer.accessible()
        await reviewer.screenshot("claim-filed")
        await take(reviewer, claim_id, "return_claim", {"reason": "纳税证明不清晰", "items": ["tax_certificate"]},
                   shot="claim-return-form")  # fmt: skip
        assert await page.locator("[data-status]").inner_text() == "待补正"

    async with person(browser, base) as specialist:  # the correction: a new scan of the item to fix, uploaded
        await specialist.sign_in("specialist.zhou@gxz")
        await specialist.open(f"/console/subsidies/claims/{claim_id}")
        await specialist.page.click("[data-action='correct_claim']")
        await specialist.page.wait_for_selector("#step-form")
        assert "需补正" in await specialist.page.locator("[data-material=tax_certificate]").inner_text()
        scan = FilePayload(name="纳税证明.png", mimeType="image/png", buffer=png())
        await specialist.page.set_input_files("#file-tax_certificate", files=[scan])
        await specialist.accessible()
        await specialist.screenshot("claim-correction")
        async with specialist.page.expect_navigation():
            await specialist.page.click("#step-submit")
        assert await specialist.page.locator("[data-status]").inner_text() == "已申报待受理"

    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        await reviewer.open(f"/console/subsidies/claims/{claim_id}")  # the materials preview in place
        scanned = reviewer.page.locator("[data-material=tax_certificate] details.preview[data-preview=image]")
        await scanned.locator("summary").click()
        await expect(scanned.locator("img")).to_be_visible()
        # decode() resolves once the image is fetched and decoded (a lazy image may still be loading when visible)
        assert await scanned.locator("img").evaluate("img => img.decode().then(() => img.naturalWidth)") == 4
        licence = reviewer.page.locator("[data-material=business_licence] details.preview[data-preview=pdf]")
        await licence.locator("summary").click()
        assert await licence.locator("iframe").get_attribute("src") == (
            f"/console/documents/{setting['documents']['business_licence']}"
        )
        await reviewer.screenshot("claim-material-preview")
        await take(reviewer, claim_id, "accept_claim", {})
        await take(reviewer, claim_id, "propose_amount", {"amount": claim["computed"]})
        assert await reviewer.page.locator("[data-status]").inner_text() == "待复核"
        own = reviewer.page.locator("[data-action='confirm_review']")
        assert await own.count() == 0  # the proposer is not offered the confirmation
    async with person(browser, base) as second:
        await second.sign_in("reviewer.he@guangming")
        await take(second, claim_id, "confirm_review", {"agree": True}, shot="claim-confirm-form")
        assert await second.page.locator("#approved").inner_text() == f"¥{Decimal(claim['computed']):,.2f}"

        await second.open(f"/console/subsidies/rounds/{setting['round']}")
        async with second.page.expect_navigation():
            await second.page.click("#publish-notice")
        row = second.page.locator(f"#notice tr[data-claim='{claim_id}']")
        assert "公示中" in await row.inner_text()
        await second.accessible()
        await second.screenshot("round-notice")


async def test_the_enterprise_confirms_a_claim_pledgeflow_drafted(
    stack: Stack, browser: Browser, base: str, temporal_client: Client
) -> None:
    """免申即享: the one action left to the enterprise is the confirmation, in the console."""
    setting = await prepare(stack, asset="ip-gm-inv-2")
    loan_id = setting["loan"]
    rejected = await stack.post("/subsidy-claims", SPECIALIST, filing(setting, loan_id=loan_id), expect=201)
    await stack.post(f"/subsidy-claims/{rejected['id']}/rejection", REVIEWER, {"reason": "申请书未盖章"})
    window = {"filing_opens": today(), "filing_closes": today()}
    await stack.post("/subsidy-rounds", REVIEWER, {"district": "guangming", "title": "第二批", **window}, expect=201)
    drafting = await temporal_client.start_workflow(
        SUBSIDY_DRAFTING_WORKFLOW_NAME, id=f"drafting-{uuid.uuid4().hex}", task_queue=LOANS_TASK_QUEUE
    )
    try:
        drafted = await drafted_for(stack, loan_id)
        await asyncio.sleep(1)  # the day's run has ended: two rounds take claims today, the loan is drafted into one
        waiting = (await stack.get("/subsidy-claims?turn=filer", ENTERPRISE))["items"]
        assert [c["id"] for c in waiting if c["loan_id"] == loan_id] == [drafted["id"]]
    finally:
        await drafting.terminate("test finished")
    async with person(browser, base) as enterprise:
        await enterprise.sign_in("cfo@guangming-demo")
        await enterprise.open("/console/subsidies/claims")
        assert (
            await enterprise.page.locator(f"[data-group=waiting_for_you] tr[data-claim='{drafted['id']}']").count() == 1
        )
        await take(enterprise, drafted["id"], "confirm_claim", {}, shot="claim-drafted-confirm")
        assert await enterprise.page.locator("[data-status]").inner_text() == "已申报待受理"


async def test_a_reviewer_reads_a_banks_own_claim(stack: Stack, browser: Browser, base: str) -> None:
    """银行金融机构资助: no loan on the page, the bank's loans supplied by pledgeflow, the bank's upload previewed."""
    setting = await prepare(stack, asset="ip-gm-um-1")
    documents = {code: await upload_as(stack, OFFICER, code) for code in ("application_form", "product_report")}
    body = {"round_id": setting["round"], "kind": "bank_institution", "documents": documents}
    claim = await stack.post("/subsidy-claims", OFFICER, body, expect=201)
    async with person(browser, base) as reviewer:
        await reviewer.sign_in("reviewer.wu@guangming")
        await reviewer.open(f"/console/subsidies/claims/{claim['id']}")
        page = reviewer.page
        assert "中国银行" in await page.locator("h1").inner_text()
        assert await page.locator("a[href^='/console/loans/']").count() == 0
        listed = await page.locator("[data-material=registration_list]").inner_text()
        assert "平台自动提供" in listed
        assert setting["loan"] in listed
        assert await page.locator("[data-material=product_report] details.preview[data-preview=pdf]").count() == 1
        await reviewer.accessible()
        await reviewer.screenshot("claim-bank-institution")
