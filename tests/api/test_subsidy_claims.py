"""Subsidy claims end to end through HTTP, the claim workflow on the dev server: filing with the checklist and the
amount checked, 补正 and its correction, acceptance, the review with four eyes, rejection, who sees what."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col
from temporalio.client import Client

from contracts.enums import District, Role
from contracts.queues import LOANS_TASK_QUEUE
from services.api.params import make_cursor
from services.domain.calendar import working_deadline
from services.store.audit import verify_chains
from services.store.seed_policies import demo_policies
from services.store.tables import AuditRecord
from services.workflows.subsidy_drafting import SUBSIDY_DRAFTING_WORKFLOW_NAME
from tests.api.loan_stack import (
    ENTERPRISE,
    GUARANTOR,
    OFFICER,
    OTHER_OFFICER,
    REVIEWER,
    SPECIALIST,
    Stack,
    disbursed,
    today,
)

pytestmark = pytest.mark.e2e

CITY = (Role.CITY_ADMIN, "city-amr", None)
NANSHAN_REVIEWER = (Role.DISTRICT_REVIEWER, "office-nanshan", District.NANSHAN)
PDF = b"%PDF-1.7\n%%EOF\n"
UPLOADED = ("application_form", "business_licence", "tax_certificate", "pledge_contract")


async def upload(stack: Stack, name: str) -> str:
    response = await stack.client.post(
        "/documents",
        files={"file": (f"{name}.pdf", PDF + name.encode(), "application/pdf")},
        data={"enterprise_id": "ent-guangming-demo"},
        headers=stack.headers(SPECIALIST),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
async def setting(stack: Stack) -> dict[str, Any]:
    return await prepare(stack)


async def prepare(
    stack: Stack, budget: str = "8000000.00", asset: str = "ip-gm-inv-1", case: str | None = None
) -> dict[str, Any]:
    """光明's policy revised today with a filing window open now (and `budget`), a round in it, a disbursed loan
    (`case` taken to disbursement, or a new one) with its first instalment paid, and the uploaded materials."""
    day = date.fromisoformat(today())
    policy = demo_policies()[3].model_dump(mode="json")
    policy |= {"year": day.year, "effective_from": today(), "reason": "测试：申报期"}
    policy["terms"] |= {
        "filing_opens": today(),
        "filing_closes": (day + timedelta(days=60)).isoformat(),
        "budget": budget,
    }
    await stack.post("/subsidy-policies", CITY, policy, expect=201)
    window = {"filing_opens": today(), "filing_closes": (day + timedelta(days=30)).isoformat()}
    opened = await stack.post(
        "/subsidy-rounds", REVIEWER, {"district": "guangming", "title": "第一批", **window}, expect=201
    )
    loan_id = await disbursed(stack, asset, case)
    first = (await stack.get(f"/loans/{loan_id}/schedule", OFFICER))[0]
    await stack.post(
        f"/loans/{loan_id}/repayments", OFFICER, {"amount": first["total"], "value_date": today(), "reference": "回单1"}
    )
    interest = Decimal((await stack.state(loan_id))["servicing"]["payments"][0]["allocation"]["interest"])
    documents = {code: await upload(stack, code) for code in UPLOADED}
    return {"round": opened["id"], "loan": loan_id, "interest": interest, "documents": documents}


def filing(setting: dict[str, Any], **change: Any) -> dict[str, Any]:
    body = {
        "round_id": setting["round"],
        "loan_id": setting["loan"],
        "kind": "interest",
        "documents": setting["documents"],
    }
    return body | change


def claim_id_in(page: dict[str, Any], claim_id: str) -> bool:
    return any(item["id"] == claim_id for item in page["items"])


async def claims(stack: Stack) -> int:
    return len((await stack.get("/subsidy-claims?limit=100", REVIEWER))["items"])


class TestFiling:
    async def test_a_missing_material_is_named_and_nothing_is_filed(
        self, stack: Stack, setting: dict[str, Any]
    ) -> None:
        before = await claims(stack)
        documents = {k: v for k, v in setting["documents"].items() if k != "business_licence"}
        response = await stack.client.post(
            "/subsidy-claims", json=filing(setting, documents=documents), headers=stack.headers(SPECIALIST)
        )
        assert response.status_code == 422
        assert "营业执照 (business_licence)" in response.json()["detail"]
        assert await claims(stack) == before

    @pytest.mark.parametrize(
        ("who", "change", "status", "words"),
        [
            (GUARANTOR, {}, 403, "enterprise or its station specialist"),
            (SPECIALIST, {"claimed": "99999999.00"}, 409, "above the evidence"),
            (SPECIALIST, {"round_id": "nanshan-000000000000"}, 404, "round"),
            (SPECIALIST, {"documents": {"lottery_ticket": "0" * 32}}, 422, "lottery_ticket"),
        ],
    )
    async def test_refused_and_nothing_filed(
        self, stack: Stack, setting: dict[str, Any], who: Any, change: dict[str, Any], status: int, words: str
    ) -> None:
        before = await claims(stack)
        response = await stack.client.post(
            "/subsidy-claims", json=filing(setting, **change), headers=stack.headers(who)
        )
        assert response.status_code == status, response.text
        assert words in response.json()["detail"]
        assert await claims(stack) == before


class TestOutsideTheWindow:
    async def test_a_round_not_yet_open_takes_no_claim(self, stack: Stack, setting: dict[str, Any]) -> None:
        tomorrow = date.fromisoformat(today()) + timedelta(days=1)
        window = {"filing_opens": tomorrow.isoformat(), "filing_closes": (tomorrow + timedelta(days=5)).isoformat()}
        later = await stack.post(
            "/subsidy-rounds", REVIEWER, {"district": "guangming", "title": "下一批", **window}, expect=201
        )
        before = await claims(stack)
        response = await stack.client.post(
            "/subsidy-claims", json=filing(setting, round_id=later["id"]), headers=stack.headers(SPECIALIST)
        )
        assert response.status_code == 409
        assert f"takes claims from {tomorrow}" in response.json()["detail"]
        assert await claims(stack) == before


class TestTheClaimsWay:
    async def test_filed_returned_corrected_accepted_and_approved_by_two_reviewers(
        self, stack: Stack, setting: dict[str, Any]
    ) -> None:
        key = {"Idempotency-Key": "claim-first-filing"}
        headers = stack.headers(SPECIALIST) | key
        filed = (await stack.client.post("/subsidy-claims", json=filing(setting), headers=headers)).json()
        again = (await stack.client.post("/subsidy-claims", json=filing(setting), headers=headers)).json()
        assert again["id"] == filed["id"]  # the retry is the same claim
        claim_id = filed["id"]
        assert (filed["status"], filed["policy_id"]) == ("filed", f"guangming-{today()[:4]}-v3")
        due = working_deadline(date.fromisoformat(today()), 10).day  # the policy's review_working_days
        assert (filed["review_deadline"], filed["overdue"]) == (due.isoformat(), False)
        assert claim_id_in(await stack.get("/subsidy-claims?turn=overdue", REVIEWER), filed["id"]) is False
        expected = (setting["interest"] * Decimal("0.70")).quantize(Decimal("0.01"), ROUND_DOWN)
        assert Decimal(filed["computed"]) == expected
        supplied = {m["code"]: m for m in filed["revisions"][0]["materials"] if m["supplied"]}
        assert set(supplied) == {
            "loan_contract",
            "disbursement_voucher",
            "interest_payment_proof",
            "pledge_registration",
        }
        assert "中银借字001" in supplied["loan_contract"]["reference"]

        overlap = await stack.client.post("/subsidy-claims", json=filing(setting), headers=stack.headers(SPECIALIST))
        assert overlap.status_code == 409
        assert claim_id in overlap.json()["detail"]

        base = f"/subsidy-claims/{claim_id}"
        assert (await stack.get(base, REVIEWER))["actions"] == ["accept_claim", "return_claim", "reject_claim"]
        returned = await stack.post(
            f"{base}/return", REVIEWER, {"reason": "纳税证明不清晰", "items": ["tax_certificate"]}
        )
        assert (returned["status"], returned["waiting_on"]) == ("returned", ["enterprise", "station_specialist"])
        refused = await stack.client.post(f"{base}/acceptance", json={}, headers=stack.headers(REVIEWER))
        assert refused.status_code == 409  # waits for the correction

        documents = setting["documents"] | {"tax_certificate": await upload(stack, "tax_certificate_2")}
        corrected = await stack.post(f"{base}/correction", SPECIALIST, {"documents": documents})
        assert (corrected["status"], len(corrected["revisions"])) == ("filed", 2)
        await stack.post(f"{base}/acceptance", REVIEWER, {})

        below = await stack.client.post(f"{base}/review", json={"amount": "1.00"}, headers=stack.headers(REVIEWER))
        assert below.status_code == 409
        assert "needs its reason" in below.json()["detail"]
        above = await stack.client.post(
            f"{base}/review", json={"amount": f"{expected + 1}"}, headers=stack.headers(REVIEWER)
        )
        assert above.status_code == 409
        proposed = await stack.post(f"{base}/review", REVIEWER, {"amount": f"{expected}"})
        assert proposed["status"] == "proposed"
        own = await stack.client.post(
            f"{base}/review-confirmation", json={"agree": True}, headers=stack.headers(REVIEWER)
        )
        assert own.status_code == 409
        assert "second reviewer" in own.json()["detail"]
        approved = await stack.post(
            f"{base}/review-confirmation", REVIEWER, {"agree": True}, sub="reviewer.b@guangming"
        )
        assert (approved["status"], Decimal(approved["approved"])) == ("approved", expected)
        assert [e["kind"] for e in approved["timeline"]] == [
            "filed", "returned", "corrected", "accepted", "amount_proposed", "approved"
        ]  # fmt: skip
        async with stack.sessions() as session:
            query = select(col(AuditRecord.action)).where(col(AuditRecord.chain) == f"subsidy_claim:{claim_id}")
            chain = (await session.execute(query.order_by(col(AuditRecord.seq)))).scalars().all()
            assert list(chain) == [
                "subsidy_claim.filed", "subsidy_claim.returned", "subsidy_claim.corrected", "subsidy_claim.accepted",
                "subsidy_claim.amount_proposed", "subsidy_claim.approved",
            ]  # fmt: skip
            assert (await verify_chains(session)).broken == []

    async def test_who_sees_a_claim(self, stack: Stack, setting: dict[str, Any]) -> None:
        loan_id = await disbursed(stack, "ip-gm-inv-2")
        first = (await stack.get(f"/loans/{loan_id}/schedule", OFFICER))[0]
        await stack.post(
            f"/loans/{loan_id}/repayments",
            OFFICER,
            {"amount": first["total"], "value_date": today(), "reference": "回单2"},
        )
        filed = await stack.post("/subsidy-claims", ENTERPRISE, filing(setting, loan_id=loan_id), expect=201)
        base = f"/subsidy-claims/{filed['id']}"
        for who in (SPECIALIST, ENTERPRISE, REVIEWER, OFFICER):
            assert (await stack.get(base, who))["id"] == filed["id"]
        for who in (NANSHAN_REVIEWER, OTHER_OFFICER, GUARANTOR):
            refused = await stack.client.get(base, headers=stack.headers(who))
            assert refused.status_code == 404
        mine = [c["id"] for c in (await stack.get("/subsidy-claims?turn=mine", REVIEWER))["items"]]
        assert filed["id"] in mine
        assert filed["id"] not in [c["id"] for c in (await stack.get("/subsidy-claims?turn=filer", REVIEWER))["items"]]
        assert (await stack.get("/subsidy-claims", NANSHAN_REVIEWER))["items"] == []
        rejected = await stack.post(f"{base}/rejection", REVIEWER, {"reason": "重复申报"})
        assert (rejected["status"], rejected["actions"]) == ("rejected", [])
        late = await stack.client.post(f"{base}/acceptance", json={}, headers=stack.headers(REVIEWER))
        assert late.status_code == 409


class TestDraftedByPledgeflow:
    async def test_a_claim_drafted_with_what_pledgeflow_holds_and_confirmed_by_the_enterprise(
        self, stack: Stack, setting: dict[str, Any], temporal_client: Client
    ) -> None:
        """免申即享: a loan whose interest is paid and unclaimed (its one claim was rejected), an enterprise whose
        documents pledgeflow holds from that claim: the daily drafting drafts the claim, the enterprise confirms."""
        loan_id = await disbursed(stack, "ip-gm-um-1")
        first = (await stack.get(f"/loans/{loan_id}/schedule", OFFICER))[0]
        await stack.post(
            f"/loans/{loan_id}/repayments",
            OFFICER,
            {"amount": first["total"], "value_date": today(), "reference": "回单3"},
        )
        rejected = await stack.post("/subsidy-claims", SPECIALIST, filing(setting, loan_id=loan_id), expect=201)
        await stack.post(f"/subsidy-claims/{rejected['id']}/rejection", REVIEWER, {"reason": "申请书未盖章"})

        drafting = await temporal_client.start_workflow(
            SUBSIDY_DRAFTING_WORKFLOW_NAME, id=f"drafting-{uuid.uuid4().hex}", task_queue=LOANS_TASK_QUEUE
        )
        try:
            drafted = await drafted_for(stack, loan_id)
        finally:
            await drafting.terminate("test finished")
        assert drafted["status"] == "drafted"
        claim = await stack.get(f"/subsidy-claims/{drafted['id']}", ENTERPRISE)
        assert claim["waiting_on"] == ["enterprise", "station_specialist"]
        materials = {m["code"]: m for m in claim["revisions"][0]["materials"]}
        assert materials["business_licence"]["document_id"] == setting["documents"]["business_licence"]
        assert materials["interest_payment_proof"]["supplied"] == "interest_payments"
        assert claim["actions"] == ["confirm_claim"]
        confirmed = await stack.post(f"/subsidy-claims/{drafted['id']}/confirmation", ENTERPRISE, {})
        assert confirmed["status"] == "filed"
        assert [e["kind"] for e in confirmed["timeline"]] == ["drafted", "confirmed"]


async def drafted_for(stack: Stack, loan_id: str) -> dict[str, Any]:
    for _ in range(100):
        found = [
            c for c in (await stack.get("/subsidy-claims?turn=filer", ENTERPRISE))["items"] if c["loan_id"] == loan_id
        ]
        if found:
            claim: dict[str, Any] = found[0]
            return claim
        await asyncio.sleep(0.2)
    raise AssertionError("no claim was drafted")


class TestPages:
    async def test_pages_follow_the_cursor_and_a_forged_one_is_refused(
        self, stack: Stack, setting: dict[str, Any]
    ) -> None:
        extra = {
            "guarantee_fee": ("guarantee_invoice", "bank_transfer_voucher"),
            "valuation_fee": ("valuation_contract", "valuation_invoice", "bank_transfer_voucher"),
        }
        for kind, codes in extra.items():  # two claims at least, whatever ran before
            documents = setting["documents"] | {code: await upload(stack, code) for code in codes}
            await stack.post("/subsidy-claims", SPECIALIST, filing(setting, kind=kind, documents=documents), expect=201)
        everything = [c["id"] for c in (await stack.get("/subsidy-claims?limit=100", REVIEWER))["items"]]
        first = await stack.get("/subsidy-claims?limit=1", REVIEWER)
        rest = await stack.get(f"/subsidy-claims?limit=100&cursor={first['next_cursor']}", REVIEWER)
        assert [c["id"] for c in first["items"] + rest["items"]] == everything
        naive = make_cursor("2026-11-30T12:00:00", "x")  # a moment without its zone: never given out
        for cursor in (naive, "not-a-cursor"):
            refused = await stack.client.get(f"/subsidy-claims?cursor={cursor}", headers=stack.headers(REVIEWER))
            assert (refused.status_code, refused.headers["content-type"]) == (422, "application/problem+json")
