"""Hostile and careless input: each example the hostile-input pass found, against the real stack.

A poison character, an impossible date, a huge or deep or mistyped body, a garbage cursor: each gets a clear
answer (a problem naming what is wrong) and changes nothing; the loan answers its next step.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from contracts.enums import Role
from contracts.identifiers import patent_check_digit
from services.domain.calendar import shanghai_date
from tests.api.bodies import PROPOSAL, QUALIFIED, application, valuation
from tests.api.loan_stack import (
    ADMIN,
    APPROVER,
    GUARANTOR,
    OFFICER,
    OTHER_OFFICER,
    SPECIALIST,
    VALUER,
    Stack,
    open_case,
    today,
)

pytestmark = pytest.mark.e2e

VISIT = {"people": ["周光明"], "place": "光明区", "outcome": "有融资需求"}


def visit(**changes: Any) -> dict[str, Any]:
    return {**VISIT, "visited_on": today(), **changes}


async def new_asset(stack: Stack, *, expiry: date | None = None) -> str:
    """A fresh invention patent of the demo enterprise (each test pledges its own)."""
    asset_id = f"hostile-{uuid.uuid4().hex[:8]}"
    digits = f"20241{uuid.uuid4().int % 10**7:07d}"  # year, type 1 (invention), serial
    body = {
        "id": asset_id,
        "kind": "invention_patent",
        "number": f"{digits}.{patent_check_digit(digits)}",
        "title": "一种测试用专利",
        "owner_enterprise_id": "ent-guangming-demo",
        "expiry_date": (expiry or date(2040, 1, 1)).isoformat(),
    }
    await stack.post("/ip-assets", ADMIN, body, expect=201)
    return asset_id


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


async def steps_taken(stack: Stack, loan_id: str) -> int:
    return int((await stack.state(loan_id))["step_count"])


class TestPoisonText:
    async def test_nul_in_a_visit_is_refused_naming_the_field_and_the_loan_goes_on(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        refused = await stack.client.post(
            f"/loans/{loan_id}/visits",
            json=visit(outcome="企业\u0000有需求"),
            headers=stack.headers(SPECIALIST, key=uuid.uuid4().hex),
        )
        body = problem(refused, 422)
        assert [e["field"] for e in body["errors"]] == ["body.outcome"]
        assert "U+0000" in body["errors"][0]["message"]
        assert await steps_taken(stack, loan_id) == 0
        await stack.post(f"/loans/{loan_id}/visits", SPECIALIST, visit())  # the loan answers its next step
        assert await steps_taken(stack, loan_id) == 1

    @pytest.mark.parametrize("char", ["\u0000", "\u0007", "\u001b", "\r", "\u0085", "\ud800"])
    async def test_unstorable_characters_in_a_new_case_note(self, stack: Stack, char: str) -> None:
        body = json.dumps({"enterprise_id": "ent-guangming-demo", "note": f"白名单{char}企业"})  # \ud800 escaped
        headers = {**stack.headers(SPECIALIST), "content-type": "application/json"}
        refused = await stack.client.post("/loans", content=body, headers=headers)
        assert problem(refused, 422)["errors"][0]["field"] == "body.note"

    async def test_line_breaks_and_tabs_are_text(self, stack: Stack) -> None:
        loan = await stack.post(
            "/loans", SPECIALIST, {"enterprise_id": "ent-guangming-demo", "note": "第一行\n\t第二行"}, expect=201
        )
        assert loan["note"] == "第一行\n\t第二行"

    async def test_nul_in_an_enterprise_name_and_an_asset_title(self, stack: Stack) -> None:
        enterprise = {
            "id": "ent-nul",
            "name": "深圳\u0000公司",
            "credit_code": "91440300708461136T",
            "district": "guangming",
            "size_class": "small",
            "legal_person": "张三",
            "contact_name": "李四",
            "contact_phone": "0755-12345678",
        }
        assert problem(await stack.client.post("/enterprises", json=enterprise, headers=stack.headers(ADMIN)), 422)
        digits = "202410000001"
        asset = {
            "id": "asset-nul",
            "kind": "invention_patent",
            "number": f"{digits}.{patent_check_digit(digits)}",
            "title": "专利\u0000标题",
            "owner_enterprise_id": "ent-guangming-demo",
            "expiry_date": "2040-01-01",
        }
        body = problem(await stack.client.post("/ip-assets", json=asset, headers=stack.headers(ADMIN)), 422)
        assert body["errors"][0]["field"] == "body.title"

    @pytest.mark.parametrize(
        "path",
        [
            "/loans/%00",
            "/loans/abc%00def/timeline",
            "/loans?bank=%00",
            "/loans?enterprise=x%00",
            "/ip-assets/%00",
            "/ip-assets?owner=%00",
            "/enterprises/%00",
            "/organisations/%00",
            "/products/%00",
            "/organisations/%00/webhook/deliveries",
        ],
    )
    async def test_nul_in_a_path_or_query(self, stack: Stack, path: str) -> None:
        response = await stack.client.get(path, headers=stack.headers(ADMIN))
        assert response.status_code in (404, 422), response.text
        assert response.headers["content-type"] == "application/problem+json"

    async def test_nul_in_an_id_of_a_body(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        await stack.post(f"/loans/{loan_id}/qualification-review", SPECIALIST, QUALIFIED)
        refused = await stack.client.post(
            f"/loans/{loan_id}/application",
            json=application("ip-gm\u0000inv-1"),
            headers=stack.headers(SPECIALIST),
        )
        assert problem(refused, 422)["errors"][0]["field"] == "body.asset_ids.0"


class TestDates:
    async def test_a_registration_filed_in_2001_on_a_case_opened_today(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        asset = await new_asset(stack)
        base = f"/loans/{loan_id}"
        await stack.post(f"{base}/visits", SPECIALIST, visit())
        await stack.post(f"{base}/qualification-review", SPECIALIST, QUALIFIED)
        await stack.post(f"{base}/application", SPECIALIST, application(asset))
        await stack.post(f"{base}/valuations", VALUER, valuation(asset, f"H-{loan_id}"))
        await stack.post(f"{base}/valuation-acceptance", OFFICER, {})
        await stack.post(f"{base}/proposal", OFFICER, PROPOSAL)
        await stack.post(f"{base}/approval-decision", APPROVER, {"approve": True, "reason": "同意"})
        await stack.post(f"{base}/sign-offs", GUARANTOR, {"contract_number": "G", "fee": "1"})
        before = await steps_taken(stack, loan_id)
        refused = await stack.client.post(
            f"{base}/registrations",
            json={"asset_id": asset, "channel": "online", "filed_on": "2001-01-01"},
            headers=stack.headers(OFFICER),
        )
        detail = problem(refused, 409)["detail"]
        assert f"the filing date 2001-01-01 is before the terms were approved on {today()}" in detail
        assert await steps_taken(stack, loan_id) == before

    @pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
    async def test_visits_far_in_the_future_or_past(self, stack: Stack, day: str) -> None:
        loan_id = await open_case(stack)
        refused = await stack.client.post(
            f"/loans/{loan_id}/visits", json=visit(visited_on=day), headers=stack.headers(SPECIALIST)
        )
        assert f"the visit date {day}" in problem(refused, 409)["detail"]

    async def test_a_next_visit_before_the_visit(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        yesterday = (shanghai_date(datetime.now(UTC)) - timedelta(days=1)).isoformat()
        refused = await stack.client.post(
            f"/loans/{loan_id}/visits", json=visit(next_visit_on=yesterday), headers=stack.headers(SPECIALIST)
        )
        assert "must come after this visit" in problem(refused, 409)["detail"]


class TestShapesAndSizes:
    @pytest.mark.parametrize("with_key", [False, True])
    async def test_a_body_over_the_limit_is_413_before_it_is_parsed(self, stack: Stack, with_key: bool) -> None:
        loan_id = await open_case(stack)
        key = uuid.uuid4().hex if with_key else None
        people = ["周"] * 1_000_000  # the visit that once answered 503 "try again" for ever
        refused = await stack.client.post(
            f"/loans/{loan_id}/visits", json=visit(people=people), headers=stack.headers(SPECIALIST, key=key)
        )
        assert problem(refused, 413)["type"].endswith("/content-too-large")

    async def test_every_list_has_a_maximum(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        refused = await stack.client.post(
            f"/loans/{loan_id}/visits", json=visit(people=["周"] * 51), headers=stack.headers(SPECIALIST)
        )
        assert problem(refused, 422)["errors"][0]["field"] == "body.people"

    @pytest.mark.parametrize("with_key", [False, True])
    async def test_deep_nesting_is_400(self, stack: Stack, with_key: bool) -> None:
        loan_id = await open_case(stack)
        deep = "[" * 5000 + "]" * 5000
        body = json.dumps(visit())[:-1] + f', "deep": {deep}}}'
        headers = {**stack.headers(SPECIALIST, key=uuid.uuid4().hex if with_key else None)}
        headers["content-type"] = "application/json"
        refused = await stack.client.post(f"/loans/{loan_id}/visits", content=body, headers=headers)
        assert problem(refused, 400)["type"].endswith("/body-too-deep")

    async def test_money_with_an_exponent_is_refused_and_money_is_echoed_to_the_fen(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        asset = await new_asset(stack)
        await stack.post(f"/loans/{loan_id}/qualification-review", SPECIALIST, QUALIFIED)
        bad = await stack.client.post(
            f"/loans/{loan_id}/application",
            json={**application(asset), "requested_amount": "1e7"},
            headers=stack.headers(SPECIALIST),
        )
        assert problem(bad, 422)["errors"][0]["field"] == "body.requested_amount"
        loan = await stack.post(
            f"/loans/{loan_id}/application", SPECIALIST, {**application(asset), "requested_amount": "2500000.5"}
        )
        assert loan["requested_amount"] == "2500000.50"

    @pytest.mark.parametrize("value", ["yes", "true", 1, "1"])
    async def test_booleans_are_json_booleans(self, stack: Stack, value: object) -> None:
        loan_id = await open_case(stack)
        refused = await stack.client.post(
            f"/loans/{loan_id}/qualification-review",
            json={**QUALIFIED, "owns_ip": value},
            headers=stack.headers(SPECIALIST),
        )
        assert problem(refused, 422)["errors"][0]["field"] == "body.owns_ip"

    async def test_a_body_that_is_not_json_is_415_and_not_utf8_is_400(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        path = f"/loans/{loan_id}/visits"
        text = {**stack.headers(SPECIALIST), "content-type": "text/plain"}
        assert problem(await stack.client.post(path, content=json.dumps(visit()), headers=text), 415)
        latin = {**stack.headers(SPECIALIST), "content-type": "application/json"}
        body = json.dumps(visit(outcome="café"), ensure_ascii=False).encode("utf-8").replace(b"caf\xc3\xa9", b"caf\xe9")
        assert problem(await stack.client.post(path, content=body, headers=latin), 400)["type"].endswith("utf8")

    async def test_allow_lists_every_method_of_the_path(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        wrong = await stack.client.post(f"/loans/{loan_id}", json={}, headers=stack.headers(SPECIALIST))
        problem(wrong, 405)
        assert wrong.headers["allow"] == "GET, HEAD, OPTIONS"
        delete = await stack.client.delete("/loans", headers=stack.headers(SPECIALIST))
        problem(delete, 405)
        assert delete.headers["allow"] == "GET, HEAD, OPTIONS, POST"
        options = await stack.client.options("/loans", headers=stack.headers(SPECIALIST))
        assert options.status_code == 204
        assert options.headers["allow"] == "GET, HEAD, OPTIONS, POST"

    @pytest.mark.parametrize("path", ["/loans", "/enterprises", "/ip-assets", "/organisations"])
    async def test_a_garbage_cursor_is_422_on_every_list(self, stack: Stack, path: str) -> None:
        for cursor in ("garbage", "Zm9v", "ent-guangming-demo"):
            refused = await stack.client.get(path, params={"cursor": cursor}, headers=stack.headers(ADMIN))
            assert problem(refused, 422)["type"].endswith("/bad-cursor"), cursor

    async def test_a_cursor_given_out_pages_on(self, stack: Stack) -> None:
        first = await stack.get("/organisations?limit=2", ADMIN)
        assert first["next_cursor"]
        second = await stack.get(f"/organisations?limit=2&cursor={first['next_cursor']}", ADMIN)
        assert {o["id"] for o in first["items"]}.isdisjoint({o["id"] for o in second["items"]})

    async def test_the_same_asset_twice_is_refused_naming_it(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        asset = await new_asset(stack)
        await stack.post(f"/loans/{loan_id}/qualification-review", SPECIALIST, QUALIFIED)
        twice = {**application(asset), "asset_ids": [asset, asset]}
        path = f"/loans/{loan_id}/application"
        refused = await stack.client.post(path, json=twice, headers=stack.headers(SPECIALIST))
        assert asset in problem(refused, 422)["detail"]

    async def test_a_term_past_the_assets_expiry_is_refused_at_application(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        asset = await new_asset(stack, expiry=shanghai_date(datetime.now(UTC)) + timedelta(days=200))
        await stack.post(f"/loans/{loan_id}/qualification-review", SPECIALIST, QUALIFIED)
        refused = await stack.client.post(
            f"/loans/{loan_id}/application", json=application(asset), headers=stack.headers(SPECIALIST)
        )
        assert "would mature on" in problem(refused, 409)["detail"]


class TestWhoMayLearnWhat:
    async def test_which_loan_holds_an_asset_is_for_that_loans_parties(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        asset = await new_asset(stack)
        await stack.post(f"/loans/{loan_id}/qualification-review", SPECIALIST, QUALIFIED)
        await stack.post(f"/loans/{loan_id}/application", SPECIALIST, application(asset))
        assert (await stack.get(f"/ip-assets/{asset}", OFFICER))["pledged_in_loan"] == loan_id
        assert (await stack.get(f"/ip-assets/{asset}", OTHER_OFFICER))["pledged_in_loan"] is None
        listed = await stack.get("/ip-assets?owner=ent-guangming-demo&limit=200", OTHER_OFFICER)
        assert all(item["pledged_in_loan"] is None for item in listed["items"])

    async def test_four_eyes_compares_normalised_identities(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        asset = await new_asset(stack)
        base = f"/loans/{loan_id}"
        await stack.post(f"{base}/qualification-review", SPECIALIST, QUALIFIED)
        await stack.post(f"{base}/application", SPECIALIST, application(asset))
        await stack.post(f"{base}/valuations", VALUER, valuation(asset, f"E-{loan_id}"))
        await stack.post(f"{base}/valuation-acceptance", OFFICER, {})
        await stack.post(f"{base}/proposal", OFFICER, PROPOSAL, sub="officer.li@boc")
        refused = await stack.client.post(
            f"{base}/approval-decision",
            json={"approve": True, "reason": "同意"},
            headers=stack.headers((Role.BANK_APPROVER, "boc-shenzhen", None), sub="Officer.Li@BOC"),
        )
        assert "four eyes" in problem(refused, 403)["detail"]
