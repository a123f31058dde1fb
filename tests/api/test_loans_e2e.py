"""Loans end to end through HTTP, on the real Temporal dev server, the real worker and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.domain.calendar import shanghai_date
from services.store.tables import AuditRecord, Loan, LoanEvent
from tests.api.bodies import application
from tests.api.loan_stack import (  # the shared stack and step helpers
    ADMIN,
    APPROVER,
    GUARANTOR,
    OFFICER,
    OTHER_OFFICER,
    QUALIFIED,
    SPECIALIST,
    Stack,
    open_case,
    to_approval,
    to_registration,
    today,
)

pytestmark = pytest.mark.e2e


class TestLoanEndToEnd:
    async def test_case_to_disbursement(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        view = await stack.get(f"/loans/{loan_id}", SPECIALIST)
        assert set(view["actions"]) >= {"log_visit", "review_qualification", "withdraw"}
        assert set(view["parties"]) == {"enterprise", "station"}
        assert view["parties"]["station"]["name"].startswith("光明科学城知识产权公共服务中心")
        await to_registration(stack, loan_id, "ip-gm-inv-1")
        base = f"/loans/{loan_id}"
        view = await stack.get(base, OFFICER)
        assert view["max_loan"] == "4000000.00"  # ¥10 M × 40 % for an invention patent
        # The parties by name, read with the loan: the bank and valuer came with the application, the guarantor
        # with the proposal.
        assert {label: party["name"] for label, party in view["parties"].items() if label != "station"} == {
            "enterprise": view["parties"]["enterprise"]["name"],
            "bank": "中国银行",
            "valuer": "演示资产评估有限公司",
            "guarantor": "深圳担保集团有限公司",
        }
        assert "sign_off" in (await stack.get(base, GUARANTOR))["actions"]
        signed = await stack.post(
            f"{base}/sign-offs", GUARANTOR, {"contract_number": "深担保字0001", "fee": "30000.00"}
        )
        assert signed["parties"] == view["parties"]  # a step answers with the names read before it
        await stack.post(
            f"{base}/registrations", OFFICER, {"asset_id": "ip-gm-inv-1", "channel": "online", "filed_on": today()}
        )
        loan = await stack.post(
            f"{base}/registration-outcomes",
            OFFICER,
            {
                "asset_id": "ip-gm-inv-1",
                "registered": True,
                "registration_number": "Y2026440000123",
                "effective_date": today(),
            },
        )
        assert loan["stage"] == "disbursement"
        loan = await stack.post(
            f"{base}/disbursement",
            OFFICER,
            {"contract_number": "中银借字001", "amount": "3000000.00", "disbursed_on": today(), "voucher": "V001"},
        )
        assert loan["stage"] == "servicing"
        assert loan["disbursed_amount"] == "3000000.00"
        timeline = await stack.get(f"{base}/timeline", OFFICER)
        kinds = [e["kind"] for e in timeline]
        assert kinds[0] == "opened"
        assert kinds[-1] == "disbursed"
        assert all(e["by"] and e["at"] for e in timeline)
        schedule = await stack.get(f"{base}/schedule", OFFICER)
        assert sum(float(line["principal"]) for line in schedule) == 3000000.00
        listed = await stack.get("/loans?stage=servicing&district=guangming", OFFICER)
        assert loan_id in [item["id"] for item in listed["items"]]

    async def test_refused_then_refiled(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        await to_registration(stack, loan_id, "ip-gm-inv-2")
        base = f"/loans/{loan_id}"
        await stack.post(
            f"{base}/registrations", OFFICER, {"asset_id": "ip-gm-inv-2", "channel": "paper", "filed_on": today()}
        )
        loan = await stack.post(
            f"{base}/registration-outcomes",
            OFFICER,
            {"asset_id": "ip-gm-inv-2", "registered": False, "refusal_reason": "质押合同缺少签章"},
        )
        assert [(f["asset_id"], f["outcome"]) for f in loan["filings"]] == [("ip-gm-inv-2", "refused")]
        await stack.post(
            f"{base}/registrations", OFFICER, {"asset_id": "ip-gm-inv-2", "channel": "online", "filed_on": today()}
        )
        loan = await stack.post(
            f"{base}/registration-outcomes",
            OFFICER,
            {
                "asset_id": "ip-gm-inv-2",
                "registered": True,
                "registration_number": "Y2026440000999",
                "effective_date": today(),
            },
        )
        assert loan["stage"] == "disbursement"

    async def test_withdrawn_frees_assets(self, stack: Stack) -> None:
        first = await open_case(stack)
        await to_approval(stack, first, "ip-gm-um-1")
        second = await open_case(stack)
        await stack.post(
            f"/loans/{second}/qualification-review",
            SPECIALIST,
            QUALIFIED,
        )
        application = {
            "bank_id": "boc-shenzhen",
            "product_id": "boc-zhihuidai",
            "requested_amount": "1000000.00",
            "requested_term_months": 12,
            "asset_ids": ["ip-gm-um-1"],
        }
        problem = await stack.post(f"/loans/{second}/application", SPECIALIST, application, expect=409)
        assert "ip-gm-um-1 is already pledged in another open loan" in problem["detail"]
        assert first not in problem["detail"]  # which loan is its parties' business
        asset = await stack.get("/ip-assets/ip-gm-um-1", OFFICER)
        assert asset["pledged_in_loan"] == first  # the bank of that loan sees it
        loan = await stack.post(f"/loans/{first}/withdrawal", SPECIALIST, {"reason": "企业改用其他融资"})
        assert loan["stage"] == "withdrawn"
        assert (await stack.get("/ip-assets/ip-gm-um-1", OFFICER))["pledged_in_loan"] is None
        loan = await stack.post(f"/loans/{second}/application", SPECIALIST, application)
        assert loan["stage"] == "valuation"


class TestBadInput:
    """Each bad step answers problem+json and changes neither the workflow nor the database."""

    async def _unchanged(self, stack: Stack, loan_id: str, call: Any, status: int, text: str) -> dict[str, Any]:
        before = await stack.get(f"/loans/{loan_id}", OFFICER if status != 404 else ADMIN)
        events = await stack.count(LoanEvent, loan_id)
        audits = await stack.count(AuditRecord, loan_id)
        response = await call
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body: dict[str, Any] = response.json()
        assert text in body["detail"], body
        after = await stack.get(f"/loans/{loan_id}", OFFICER if status != 404 else ADMIN)
        assert after == before
        assert await stack.count(LoanEvent, loan_id) == events
        assert await stack.count(AuditRecord, loan_id) == audits
        return body

    async def test_step_rules(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        await to_approval(stack, loan_id, "ip-gm-tm-1")
        base = f"/loans/{loan_id}"
        c = stack.client
        proposal = {"amount": "5000000.01", "spread_bp": 50, "term_months": 12, "repayment_mode": "monthly_interest"}
        await self._unchanged(
            stack,
            loan_id,
            c.post(f"{base}/proposal", json=proposal, headers=stack.headers(OFFICER)),
            409,
            "above the maximum loan",
        )
        for amount in ("0", "-5"):
            await self._unchanged(
                stack,
                loan_id,
                c.post(f"{base}/proposal", json={**proposal, "amount": amount}, headers=stack.headers(OFFICER)),
                422,
                "amount",
            )
        await self._unchanged(
            stack,
            loan_id,
            c.post(f"{base}/proposal", json={**proposal, "repayment_mode": "balloon"}, headers=stack.headers(OFFICER)),
            422,
            "repayment_mode",
        )
        await self._unchanged(
            stack,
            loan_id,
            c.post(f"{base}/proposal", json={**proposal, "amount": "1000000.00"}, headers=stack.headers(OTHER_OFFICER)),
            404,
            "no loan",
        )
        await stack.post(f"{base}/proposal", OFFICER, {**proposal, "amount": "1000000.00"}, sub="li")
        await self._unchanged(
            stack,
            loan_id,
            c.post(
                f"{base}/approval-decision",
                json={"approve": True, "reason": "ok"},
                headers=stack.headers(APPROVER, sub="li"),
            ),
            403,
            "four eyes",
        )
        await self._unchanged(
            stack,
            loan_id,
            c.post(
                f"{base}/disbursement",
                json={"contract_number": "x", "amount": "1000000.00", "disbursed_on": today(), "voucher": "v"},
                headers=stack.headers(OFFICER),
            ),
            409,
            "current stage: approval",
        )
        await self._unchanged(
            stack,
            loan_id,
            c.post(f"{base}/sign-offs", json={"contract_number": "x", "fee": "1.00"}, headers=stack.headers(GUARANTOR)),
            404,
            "no loan",
        )

    async def test_wrong_stage_message(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        response = await stack.client.post(
            f"/loans/{loan_id}/valuation-acceptance", json={}, headers=stack.headers(SPECIALIST)
        )
        assert response.status_code == 403
        assert "bank officer" in response.json()["detail"]

    async def test_idempotent_step(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        body = {"visited_on": today(), "people": ["周光明"], "place": "光明区", "outcome": "回访"}
        first = await stack.post(f"/loans/{loan_id}/visits", SPECIALIST, body, key="visit-1")
        again = await stack.client.post(
            f"/loans/{loan_id}/visits", json=body, headers=stack.headers(SPECIALIST, key="visit-1")
        )
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first
        assert len((await stack.get(f"/loans/{loan_id}", SPECIALIST))["visits"]) == 1
        assert await stack.count(LoanEvent, loan_id) == 2  # opened + one visit

    async def test_invalid_identifiers(self, stack: Stack) -> None:
        enterprise = {
            "id": "ent-bad",
            "name": "某公司",
            "credit_code": "91440300708461136X",
            "district": "guangming",
            "size_class": "small",
            "legal_person": "张三",
            "contact_name": "张三",
            "contact_phone": "0755-1234567",
        }
        response = await stack.client.post("/enterprises", json=enterprise, headers=stack.headers(ADMIN))
        assert response.status_code == 422
        assert "check character is wrong" in response.json()["detail"]
        overridden = {**enterprise, "credit_code_override_reason": "早期试点代码，经市场监管局核实"}
        denied = await stack.client.post("/enterprises", json=overridden, headers=stack.headers(SPECIALIST))
        assert denied.status_code == 403
        accepted = await stack.client.post("/enterprises", json=overridden, headers=stack.headers(ADMIN))
        assert accepted.status_code == 201, accepted.text
        asset = {
            "id": "ip-bad",
            "kind": "invention_patent",
            "number": "202310123456.7",
            "title": "x",
            "owner_enterprise_id": "ent-bad",
            "expiry_date": "2040-01-01",
        }
        response = await stack.client.post("/ip-assets", json=asset, headers=stack.headers(ADMIN))
        assert response.status_code == 422
        assert "expected 6" in response.json()["detail"]
        async with stack.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(Loan))).scalar_one() >= 0

    async def test_maturity_after_patent_expiry(self, stack: Stack) -> None:
        soon = (shanghai_date(datetime.now(UTC)) + timedelta(days=120)).isoformat()
        asset = {
            "id": f"ip-short-{uuid.uuid4().hex[:6]}",
            "kind": "invention_patent",
            "number": "ZL201510123456.1",
            "title": "即将到期的专利",
            "owner_enterprise_id": "ent-guangming-demo",
            "expiry_date": soon,
        }
        from contracts.identifiers import patent_check_digit

        asset["number"] = f"2015101{uuid.uuid4().int % 10**5:05d}"
        asset["number"] += "." + patent_check_digit(asset["number"])
        await stack.post("/ip-assets", ADMIN, asset, expect=201)
        loan_id = await open_case(stack)
        await stack.post(f"/loans/{loan_id}/qualification-review", SPECIALIST, QUALIFIED)
        # Said at the application already, not first at registration (where the authority would refuse it).
        response = await stack.client.post(
            f"/loans/{loan_id}/application", json=application(asset["id"]), headers=stack.headers(SPECIALIST)
        )
        assert response.status_code == 409
        assert "would mature on" in response.json()["detail"]
        assert f"expires on {soon}" in response.json()["detail"]
