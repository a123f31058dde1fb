"""Pushing white-listed enterprises to banks through HTTP: three pushed to a bank, a retry is the same push, the bank
sees its own only and answers — one declined with its reason, one accepted (a case opens for the enterprise, the
district's station following it) — and the conversion per bank; bad pushes and answers refused with nothing changed.
The reminder of an unanswered push fires on the time-skipping server (its own stack)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from stdnum.cn import uscc
from temporalio.testing import WorkflowEnvironment

from contracts.enums import District, OrganisationKind, Role
from services.domain.calendar import end_of_day
from services.platform.embedded import EmbeddedPostgres
from services.store import organisations
from services.store.tables import Organisation
from tests.api.loan_stack import OFFICER, OTHER_OFFICER, REVIEWER, SPECIALIST, Stack, running_stack
from tests.api.test_subsidy_rounds import clock  # noqa: F401 - the reminder test's own time-skipping server
from tests.api.test_whitelist import send
from tests.domain.test_whitelist import code, csv_bytes, row

pytestmark = pytest.mark.e2e

DEMO = "91440300MA5G0K7P3" + uscc.calc_check_digit("91440300MA5G0K7P3")  # 深圳光明演示科技有限公司, registered


async def listed(stack: Stack, *codes: str) -> None:
    rows = [row(0, 统一社会信用代码=c, 企业名称=f"白名单企业{c[-4:]}") for c in codes]
    status, uploaded = await send(stack, REVIEWER, csv_bytes(rows))
    assert status == 201, uploaded
    await stack.post(f"/whitelist/imports/{uploaded['id']}/commit", REVIEWER, {})


async def push(stack: Stack, body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    response = await stack.client.post("/whitelist/pushes", json=body, headers=stack.headers(REVIEWER, key=key))
    assert response.status_code == 201, response.text
    return list(response.json())


async def test_pushed_to_a_bank_which_declines_one_and_accepts_another(stack: Stack) -> None:
    others = [code(701), code(702)]
    await listed(stack, DEMO, *others)
    body = {"credit_codes": [DEMO, *others], "bank_ids": ["boc-shenzhen"], "note": "有融资需求"}
    pushed = await push(stack, body, "push-1")
    assert sorted((p["credit_code"], p["status"], p["bank_id"]) for p in pushed) == sorted(
        (c, "waiting", "boc-shenzhen") for c in (DEMO, *others)
    )
    again = await push(stack, body, "push-2")
    assert {p["id"] for p in again} == {p["id"] for p in pushed}  # a push still waiting is kept, not doubled
    by_code = {p["credit_code"]: p for p in pushed}

    assert {p["id"] for p in await stack.get("/whitelist/pushes", OFFICER)} >= {p["id"] for p in pushed}
    assert await stack.get("/whitelist/pushes", OTHER_OFFICER) == []
    first = f"/whitelist/pushes/{by_code[others[0]]['id']}"
    assert (await stack.client.get(first, headers=stack.headers(OTHER_OFFICER))).status_code == 404
    refused = await stack.client.post(f"{first}/answer", json={"accept": False}, headers=stack.headers(OFFICER))
    assert refused.status_code == 409
    assert "reason" in refused.json()["detail"]
    reviewer = await stack.client.post(f"{first}/answer", json={"accept": True}, headers=stack.headers(REVIEWER))
    assert reviewer.status_code == 403
    declined = await stack.post(f"{first}/answer", OFFICER, {"accept": False, "reason": "暂无合适产品"})
    assert (declined["status"], declined["reason"]) == ("declined", "暂无合适产品")
    late = await stack.client.post(f"{first}/answer", json={"accept": True}, headers=stack.headers(OFFICER))
    assert late.status_code == 409

    unregistered = await stack.client.post(
        f"/whitelist/pushes/{by_code[others[1]]['id']}/answer", json={"accept": True}, headers=stack.headers(OFFICER)
    )
    assert unregistered.status_code == 409
    assert "not registered" in unregistered.json()["detail"]
    accepted = await stack.post(f"/whitelist/pushes/{by_code[DEMO]['id']}/answer", OFFICER, {"accept": True}, key="a1")
    assert accepted["status"] == "accepted"
    case = await stack.get(f"/loans/{accepted['loan_id']}", OFFICER)
    assert case["stage"] == "guidance"
    assert (await stack.state(accepted["loan_id"]))["station_id"] == "station-guangming"
    assert (await stack.get(f"/loans/{accepted['loan_id']}", SPECIALIST))["id"] == accepted["loan_id"]
    # Screening: the enterprise with its case open is left out of those still to push, and found among the others.
    to_push = {e["credit_code"] for e in (await stack.get("/whitelist?open_case=false", REVIEWER))["items"]}
    with_case = {e["credit_code"] for e in (await stack.get("/whitelist?open_case=true", REVIEWER))["items"]}
    assert (DEMO in to_push, DEMO in with_case, others[0] in to_push) == (False, True, True)

    conversion = {r["bank_id"]: r for r in await stack.get("/whitelist/pushes/conversion", REVIEWER)}
    boc = conversion["boc-shenzhen"]
    assert (boc["accepted"], boc["declined"], boc["disbursed"]) == (1, 1, 0)
    assert boc["pushed"] >= 3


async def test_bad_pushes_are_refused_and_change_nothing(stack: Stack) -> None:
    await listed(stack, code(711))
    async with stack.sessions() as session, session.begin():
        await organisations.add_organisation(
            session,
            Organisation(
                id="bank-nanshan-sub", kind=OrganisationKind.BANK, name="某银行南山支行", district=District.NANSHAN,
                created_at=datetime.now(UTC),
            ),
        )  # fmt: skip
    before = len(await stack.get("/whitelist/pushes", REVIEWER))
    for body, status, said in (
        ({"credit_codes": [code(711)], "bank_ids": ["bank-nanshan-sub"]}, 422, "serves 南山区"),
        ({"credit_codes": [code(711)], "bank_ids": ["demo-insurer"]}, 422, "no bank"),
        ({"credit_codes": [code(799)], "bank_ids": ["boc-shenzhen"]}, 404, "Not on 光明区's white list"),
    ):
        refused = await stack.client.post("/whitelist/pushes", json=body, headers=stack.headers(REVIEWER))
        assert (refused.status_code, said in refused.json()["detail"]) == (status, True), refused.text
    officer = await stack.client.post(
        "/whitelist/pushes",
        json={"credit_codes": [code(711)], "bank_ids": ["boc-shenzhen"]},
        headers=stack.headers(OFFICER),
    )
    assert officer.status_code == 403
    assert len(await stack.get("/whitelist/pushes", REVIEWER)) == before


@pytest.fixture(scope="module")
async def skipping(postgres: EmbeddedPostgres, clock: WorkflowEnvironment) -> AsyncIterator[Stack]:  # noqa: F811
    async with running_stack(postgres, clock.client, task_queue=f"pushes-{uuid.uuid4().hex}") as running:
        yield running


async def test_an_unanswered_push_turns_overdue_on_its_reminder_day(
    skipping: Stack,
    clock: WorkflowEnvironment,  # noqa: F811
) -> None:
    stack = skipping
    await listed(stack, code(721))
    pushed = (await push(stack, {"credit_codes": [code(721)], "bank_ids": ["cmb-shenzhen"]}, "push-721"))[0]
    assert (pushed["status"], pushed["overdue"]) == ("waiting", False)
    remind_on = datetime.fromisoformat(pushed["remind_on"]).date()
    now = await clock.get_current_time()
    await clock.sleep(end_of_day(remind_on) - now + timedelta(hours=1))
    seen: dict[str, Any] = await stack.get(f"/whitelist/pushes/{pushed['id']}", REVIEWER)
    assert (seen["status"], seen["overdue"]) == ("overdue", True)
    waiting = await stack.get("/whitelist/pushes?status=overdue", (Role.BANK_OFFICER, "cmb-shenzhen", None))
    assert [p["id"] for p in waiting] == [pushed["id"]]
    accepted = await stack.post(
        f"/whitelist/pushes/{pushed['id']}/answer",
        (Role.BANK_OFFICER, "cmb-shenzhen", None),
        {"accept": False, "reason": "客户暂无需求"},
    )
    assert accepted["status"] == "declined"  # an answer after the reminder is taken all the same
