"""End to end through HTTP, the way 光明's "光小知" team works (seed 000_ case 3): the district imports its white list,
pushes an enterprise to a bank, the bank accepts and a case opens with the station following it; the specialist
visits twice, the case goes through application, valuation, approval, registration and disbursement; after the first
interest payment the specialist files the interest subsidy claim on the enterprise's behalf — and the station's
board shows the case all along, and the enterprise's service record counts the visits and the trips saved."""

from __future__ import annotations

import pytest

from contracts.enums import District, Role
from tests.api.loan_stack import ENTERPRISE, OFFICER, REVIEWER, SPECIALIST, Stack, today
from tests.api.test_subsidy_claims import filing, prepare
from tests.api.test_whitelist_pushes import DEMO, listed, push

pytestmark = pytest.mark.e2e

BOARD = "/stations/station-guangming/cases"
NANSHAN_REVIEWER = (Role.DISTRICT_REVIEWER, "office-nanshan", District.NANSHAN)


def on_board(board: dict[str, object], loan_id: str) -> dict[str, object]:
    cases = board["cases"]
    assert isinstance(cases, list)
    return next(c for c in cases if c["loan_id"] == loan_id)


async def test_from_the_white_list_to_the_interest_claim(stack: Stack) -> None:
    await listed(stack, DEMO)
    pushed = (await push(stack, {"credit_codes": [DEMO], "bank_ids": ["boc-shenzhen"]}, "e2e-push"))[0]
    accepted = await stack.post(f"/whitelist/pushes/{pushed['id']}/answer", OFFICER, {"accept": True}, key="e2e-a")
    loan_id = accepted["loan_id"]
    assert on_board(await stack.get(BOARD, SPECIALIST), loan_id)["stage"] == "guidance"

    visit = {"visited_on": today(), "people": ["周光明", "李经理"], "place": "企业", "outcome": "政策解读，有融资需求"}
    await stack.post(f"/loans/{loan_id}/visits", SPECIALIST, visit)
    setting = await prepare(stack, asset="ip-gm-inv-1", case=loan_id)  # the second visit, then to disbursement
    assert setting["loan"] == loan_id
    assert len((await stack.state(loan_id))["visits"]) == 2
    row = on_board(await stack.get(BOARD, SPECIALIST), loan_id)
    assert (row["stage"], row["due_what"]) == ("servicing", "instalment")

    claim = await stack.post("/subsidy-claims", SPECIALIST, filing(setting), expect=201)
    assert (claim["status"], claim["loan_id"], claim["enterprise_id"]) == ("filed", loan_id, "ent-guangming-demo")
    assert claim_in_queue(await stack.get("/subsidy-claims?turn=mine", REVIEWER), claim["id"])
    conversion = {r["bank_id"]: r for r in await stack.get("/whitelist/pushes/conversion", REVIEWER)}
    assert conversion["boc-shenzhen"]["disbursed"] == 1

    record = await stack.get("/enterprises/ent-guangming-demo/service-record", SPECIALIST)
    assert record["visits"] == 2
    kinds = {t["kind"] for t in record["touches"]}
    assert {"visit_logged", "qualification_reviewed", "application_submitted", "filed", "document_collected"} <= kinds
    assert record["trips_saved"] == len(record["touches"]) - 2
    assert (await stack.get("/enterprises/ent-guangming-demo/service-record", ENTERPRISE))["visits"] == 2
    for who in (OFFICER, NANSHAN_REVIEWER):
        refused = await stack.client.get("/enterprises/ent-guangming-demo/service-record", headers=stack.headers(who))
        assert refused.status_code == 404


def claim_in_queue(page: dict[str, object], claim_id: str) -> bool:
    items = page["items"]
    assert isinstance(items, list)
    return any(item["id"] == claim_id for item in items)
