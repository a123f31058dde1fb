"""Subsidy policies over HTTP: published versions, who may publish one, and the calculator on a real loan."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest

from contracts.enums import District, Role
from services.store.seed_policies import demo_policies
from tests.api.loan_stack import (
    ENTERPRISE,
    OFFICER,
    OTHER_OFFICER,
    SPECIALIST,
    VALUER,
    Stack,
    disbursed,
    open_case,
    today,
)

pytestmark = pytest.mark.e2e

LUOHU_REVIEWER = (Role.DISTRICT_REVIEWER, "office-luohu", District.LUOHU)
CITY = (Role.CITY_ADMIN, "city-office", None)


def luohu_policy(effective_from: str, reason: str = "2026年度罗湖区知识产权质押融资资助") -> dict[str, Any]:
    """罗湖's policy: the shape of 南山's, published on `effective_from`."""
    body = demo_policies()[0].model_dump(mode="json")
    return body | {
        "district": "luohu",
        "year": int(effective_from[:4]),
        "effective_from": effective_from,
        "reason": reason,
    }


class TestPublished:
    async def test_a_district_lists_its_versions_newest_first_with_their_terms(self, stack: Stack) -> None:
        listed = await stack.get("/subsidy-policies?district=guangming&year=2026", SPECIALIST)
        assert [(p["id"], p["effective_from"]) for p in listed] == [
            ("guangming-2026-v2", "2026-07-01"),
            ("guangming-2026-v1", "2026-02-01"),
        ]
        july = await stack.get("/subsidy-policies/guangming-2026-v2", ENTERPRISE)
        interest = july["terms"]["kinds"]["interest"]
        assert interest["by_size"]["micro"]["ratio_percent"] == "80.00"
        assert interest["by_size"]["large"]["ratio_percent"] == "50.00"
        assert "贷款付息凭证" in {m["name"] for m in interest["materials"]}

    async def test_an_unknown_version_is_not_found(self, stack: Stack) -> None:
        response = await stack.client.get("/subsidy-policies/guangming-2026-v9", headers=stack.headers(SPECIALIST))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


class TestPublishing:
    async def test_a_reviewer_publishes_and_revises_their_districts_policy(self, stack: Stack) -> None:
        first = await stack.post("/subsidy-policies", LUOHU_REVIEWER, luohu_policy(today()), expect=201)
        assert (first["id"], first["version"], first["created_by"]) == (
            f"luohu-{today()[:4]}-v1",
            1,
            "district_reviewer@office-luohu",
        )
        revised = await stack.post("/subsidy-policies", CITY, luohu_policy(today(), "修订：上限调整"), expect=201)
        assert revised["version"] == 2
        listed = await stack.get("/subsidy-policies?district=luohu", OFFICER)
        assert [p["version"] for p in listed] == [2, 1]

    async def test_a_retry_with_the_same_key_publishes_once(self, stack: Stack) -> None:
        body = luohu_policy(today(), "同一请求重试")
        headers = stack.headers(CITY) | {"Idempotency-Key": "policy-retry-1"}
        first = await stack.client.post("/subsidy-policies", json=body, headers=headers)
        again = await stack.client.post("/subsidy-policies", json=body, headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json()["id"] == again.json()["id"]

    async def test_the_same_version_sent_at_once_twice_is_published_once(self, stack: Stack) -> None:
        body = luohu_policy(today(), "同时发送两次")
        first, second = await asyncio.gather(
            stack.client.post("/subsidy-policies", json=body, headers=stack.headers(CITY)),
            stack.client.post("/subsidy-policies", json=body, headers=stack.headers(CITY)),
        )
        assert first.status_code == second.status_code == 201, (first.text, second.text)
        assert first.json()["id"] == second.json()["id"]
        listed = await stack.get("/subsidy-policies?district=luohu", OFFICER)
        assert [p["reason"] for p in listed].count("同时发送两次") == 1

    @pytest.mark.parametrize(
        ("who", "change", "status", "words"),
        [
            (LUOHU_REVIEWER, {"district": "nanshan"}, 403, "own district"),
            (OFFICER, {}, 403, "district_reviewer, city_admin"),
            (LUOHU_REVIEWER, {"effective_from": "2026-01-05", "year": 2026}, 422, "today"),
            (CITY, {"year": 2025}, 422, "takes effect within 2025"),
        ],
    )
    async def test_refused_and_nothing_published(
        self, stack: Stack, who: Any, change: dict[str, Any], status: int, words: str
    ) -> None:
        before = await stack.get("/subsidy-policies", OFFICER)
        response = await stack.client.post(
            "/subsidy-policies", json=luohu_policy(today()) | change, headers=stack.headers(who)
        )
        assert response.status_code == status, response.text
        assert words in response.json()["detail"]
        assert await stack.get("/subsidy-policies", OFFICER) == before

    async def test_terms_that_contradict_themselves_are_refused(self, stack: Stack) -> None:
        body = luohu_policy(today())
        body["terms"]["kinds"]["interest"]["materials"][0] |= {"required": False}  # conditional, but on what?
        body["terms"]["filing_closes"] = "2020-01-01"
        response = await stack.client.post("/subsidy-policies", json=body, headers=stack.headers(CITY))
        assert response.status_code == 422
        assert "condition" in response.text


@pytest.fixture(scope="module")
async def repaid_once(stack: Stack) -> tuple[str, Decimal]:
    """A disbursed 光明 loan (valuation fee 20,000, guarantee fee 30,000) with its first instalment paid today;
    the interest part of that payment."""
    loan_id = await disbursed(stack, "ip-gm-inv-1")
    first = (await stack.get(f"/loans/{loan_id}/schedule", OFFICER))[0]
    body = {"amount": first["total"], "value_date": today(), "reference": "回单1"}
    await stack.post(f"/loans/{loan_id}/repayments", OFFICER, body)
    payments = (await stack.state(loan_id))["servicing"]["payments"]
    return loan_id, Decimal(payments[0]["allocation"]["interest"])


class TestCalculator:
    async def test_the_interest_claim_under_the_version_in_force(self, stack: Stack, repaid_once: Any) -> None:
        loan_id, interest = repaid_once
        estimate = await stack.get(f"/loans/{loan_id}/subsidy-estimate?kind=interest", SPECIALIST)
        assert estimate["policy_id"] == "guangming-2026-v2"
        assert (estimate["size_class"], estimate["eligible"]) == ("small", True)
        assert Decimal(estimate["amount"]) == (interest * Decimal("0.70")).quantize(Decimal("0.01"), ROUND_DOWN)
        assert [line["step"] for line in estimate["lines"]] == ["claimed", "evidence", "base", "ratio", "cap", "result"]
        assert estimate["lines"][1] == {
            "step": "evidence",
            "label": "凭证金额",
            "amount": f"{interest:.2f}",
            "how": "平台记录的已付利息",
        }
        assert estimate == await stack.get(f"/loans/{loan_id}/subsidy-estimate", ENTERPRISE)  # interest by default

    @pytest.mark.parametrize(("kind", "amount"), [("valuation_fee", "14000.00"), ("guarantee_fee", "21000.00")])
    async def test_the_fees_recorded_on_the_loan(self, stack: Stack, repaid_once: Any, kind: str, amount: str) -> None:
        loan_id, _ = repaid_once
        estimate = await stack.get(f"/loans/{loan_id}/subsidy-estimate?kind={kind}", OFFICER)
        assert estimate["amount"] == amount

    async def test_a_claim_above_the_evidence_is_not_eligible(self, stack: Stack, repaid_once: Any) -> None:
        loan_id, interest = repaid_once
        estimate = await stack.get(
            f"/loans/{loan_id}/subsidy-estimate?kind=interest&claimed={interest + 1}", SPECIALIST
        )
        assert estimate["eligible"] is False
        assert estimate["amount"] == "0.00"
        assert "above the evidence" in estimate["refusals"][0]

    @pytest.mark.parametrize(
        ("who", "query", "status"),
        [
            (VALUER, "", 403),
            (OTHER_OFFICER, "", 404),
            (SPECIALIST, "&period_end=TOMORROW", 422),  # the date is taken when the test runs (Shanghai)
            (SPECIALIST, "&period_start=2020-01-01", 422),
            (SPECIALIST, "&kind=lottery", 422),
        ],
    )
    async def test_refused(self, stack: Stack, repaid_once: Any, who: Any, query: str, status: int) -> None:
        loan_id, _ = repaid_once
        query = query.replace("TOMORROW", (date.fromisoformat(today()) + timedelta(days=1)).isoformat())
        response = await stack.client.get(
            f"/loans/{loan_id}/subsidy-estimate?kind=interest{query}", headers=stack.headers(who)
        )
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"

    async def test_a_loan_not_disbursed_has_nothing_to_claim(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        response = await stack.client.get(f"/loans/{loan_id}/subsidy-estimate", headers=stack.headers(SPECIALIST))
        assert response.status_code == 409
        assert "not disbursed" in response.json()["detail"]
