"""A round from notice to payment through HTTP, the workflows on the time-skipping server: the public notice (and
its workbook), the notice's end by each claim's durable timer, the funding plan cut pro rata to the budget to the
fen, and a payment."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from contracts.base import Actor
from contracts.subsidy_claim import ClaimStepResult, ClaimUpdate, SetFundingInput, claim_workflow_id
from services.domain.calendar import SHANGHAI, end_of_day
from services.domain.subsidy.rounds import cut_pro_rata
from services.platform.embedded import EmbeddedPostgres, free_port, scripts_dir
from services.platform.temporal import data_converter, ensure_search_attributes
from tests.api.loan_stack import OFFICER, REVIEWER, SPECIALIST, Stack, running_stack
from tests.api.test_subsidy_claims import filing, prepare, upload

pytestmark = pytest.mark.e2e

BUDGET = Decimal("5000.00")


@pytest.fixture(scope="module")
async def clock() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of this module's own, its clock starting now (the shared one has run years ahead in
    the workflow tests), so that the API's today and the workflows' agree until the test skips time."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=data_converter,
        test_server_existing_path=str(scripts_dir() / "temporal-test-server"),
        port=free_port(),
    )
    await ensure_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest.fixture(scope="module")
async def skipping(postgres: EmbeddedPostgres, clock: WorkflowEnvironment) -> AsyncIterator[Stack]:
    """The API and a worker on `clock`."""
    async with running_stack(postgres, clock.client, task_queue=f"rounds-{uuid.uuid4().hex}") as stack:
        yield stack


async def approved(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    claim = await stack.post("/subsidy-claims", SPECIALIST, body, expect=201)
    base = f"/subsidy-claims/{claim['id']}"
    await stack.post(f"{base}/acceptance", REVIEWER, {})
    await stack.post(f"{base}/review", REVIEWER, {"amount": claim["computed"]})
    return await stack.post(f"{base}/review-confirmation", REVIEWER, {"agree": True}, sub="reviewer.b@guangming")


async def test_notice_then_a_funding_plan_cut_to_the_budget_then_a_payment(
    skipping: Stack, clock: WorkflowEnvironment
) -> None:
    stack = skipping
    setting = await prepare(stack, budget=f"{BUDGET}")
    interest = await approved(stack, filing(setting))
    documents = setting["documents"] | {
        code: await upload(stack, code) for code in ("valuation_contract", "valuation_invoice", "bank_transfer_voucher")
    }
    valuation = await approved(stack, filing(setting, kind="valuation_fee", documents=documents))
    requested = Decimal(interest["approved"]) + Decimal(valuation["approved"])
    assert requested > BUDGET

    round_id = setting["round"]
    notice = await stack.post(f"/subsidy-rounds/{round_id}/notice", REVIEWER, {})
    assert {e["claim_id"] for e in notice["entries"]} == {interest["id"], valuation["id"]}
    assert Decimal(notice["total"]) == requested
    ends = notice["entries"][0]["ends_on"]
    workbook = await stack.client.get(f"/subsidy-rounds/{round_id}/notice.xlsx", headers=stack.headers(OFFICER))
    assert workbook.status_code == 200
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as book:
        assert "深圳光明演示科技有限公司" in book.read("xl/sharedStrings.xml").decode()
    early = await stack.client.post(f"/subsidy-rounds/{round_id}/funding-plan", headers=stack.headers(REVIEWER))
    assert early.status_code == 409  # nothing has come through its notice yet

    now = await clock.get_current_time()
    await clock.sleep(end_of_day(date.fromisoformat(ends)) - now + timedelta(hours=1))
    for claim in (interest, valuation):
        assert (await stack.get(f"/subsidy-claims/{claim['id']}", REVIEWER))["status"] == "noticed"

    # A first attempt at the plan was interrupted after the interest claim's share went through: the plan sent again
    # cuts the rest from what is left, so that the round's plan (the year's) never exceeds the budget.
    wanted = {c["id"]: Decimal(c["approved"]) for c in (interest, valuation)}
    first = cut_pro_rata(wanted, BUDGET)
    reviewer = Actor(sub="reviewer.wu@guangming", role=REVIEWER[0], org_id=REVIEWER[1], district=REVIEWER[2])
    await clock.client.get_workflow_handle(claim_workflow_id(interest["id"])).execute_update(
        ClaimUpdate.SET_FUNDING.value,
        SetFundingInput(actor=reviewer, plan_id=round_id, amount=first[interest["id"]]),
        result_type=ClaimStepResult,
    )
    plan = await stack.post(f"/subsidy-rounds/{round_id}/funding-plan", REVIEWER, {})
    assert Decimal(plan["used_before"]) == first[interest["id"]]
    assert [(line["claim_id"], Decimal(line["funded"])) for line in plan["lines"]] == [
        (valuation["id"], first[valuation["id"]])  # the share the first attempt gave it, to the fen
    ]
    funded = [Decimal((await stack.get(f"/subsidy-claims/{c}", REVIEWER))["funded"]) for c in wanted]
    assert sum(funded) == BUDGET  # to the fen
    assert all(f <= wanted[c] for f, c in zip(funded, wanted, strict=True))
    share = first[interest["id"]]

    paid_on = (await clock.get_current_time()).astimezone(SHANGHAI).date().isoformat()
    base = f"/subsidy-claims/{interest['id']}"
    over = await stack.client.post(
        f"{base}/payment",
        json={"amount": f"{share + 1}", "paid_on": paid_on, "voucher": "国库集中支付0001"},
        headers=stack.headers(REVIEWER),
    )
    assert over.status_code == 409
    paid = await stack.post(
        f"{base}/payment", REVIEWER, {"amount": f"{share}", "paid_on": paid_on, "voucher": "国库集中支付0001"}
    )
    assert paid["status"] == "paid"
    assert [e["kind"] for e in paid["timeline"]][-4:] == ["notice_started", "notice_ended", "funded", "paid"]
