"""The console's reference pages over HTTP: the API's checks and audit apply, and only those the API lets
register may."""

from __future__ import annotations

import re
import uuid

import httpx
from sqlalchemy import func, select
from sqlmodel import col
from stdnum.cn import uscc

from services.store.tables import AuditRecord, Enterprise
from tests.api.loan_stack import Stack


async def signed_in(client: httpx.AsyncClient, sub: str) -> None:
    page = await client.get("/console/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    signed = await client.post("/console/sign-in/dev", data={"sub": sub, "csrf_token": token.group(1)})
    assert signed.status_code == 303


async def csrf(client: httpx.AsyncClient, path: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', (await client.get(path)).text)
    assert found is not None
    return found.group(1)


def enterprise_form(token: str, code: str, **extra: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "id": f"ent-{uuid.uuid4().hex[:8]}",
        "name": "深圳控制台测试科技有限公司",
        "credit_code": code,
        "district": "guangming",
        "size_class": "small",
        "legal_person": "王五",
        "contact_name": "赵六",
        "contact_phone": "0755-12345678",
        **extra,
    }


def a_credit_code() -> str:
    body = f"91440300MA5{uuid.uuid4().hex[:6].upper()}"
    return body + uscc.calc_check_digit(body)


async def enterprises_named(stack: Stack, enterprise_id: str) -> int:
    async with stack.sessions() as session:
        query = select(func.count()).where(col(Enterprise.id) == enterprise_id)
        return int((await session.execute(query)).scalar_one())


class TestEnterprises:
    async def test_a_code_that_fails_the_check_is_refused_with_the_apis_words(self, stack: Stack) -> None:
        await signed_in(stack.client, "specialist.zhou@gxz")
        token = await csrf(stack.client, "/console/reference/enterprises")
        form = enterprise_form(token, "91440300708461136A")
        answer = await stack.client.post("/console/reference/enterprises", data=form)
        assert answer.status_code == 422
        assert "营业执照" in answer.text  # the API's message: check the business licence
        assert await enterprises_named(stack, form["id"]) == 0

    async def test_only_a_platform_admin_may_override_and_the_override_is_audited(self, stack: Stack) -> None:
        await signed_in(stack.client, "specialist.zhou@gxz")
        token = await csrf(stack.client, "/console/reference/enterprises")
        form = enterprise_form(token, "91440300708461136A", credit_code_override_reason="试点早期代码")
        refused = await stack.client.post("/console/reference/enterprises", data=form)
        assert refused.status_code == 403
        assert await enterprises_named(stack, form["id"]) == 0

        await signed_in(stack.client, "ops@pledgeflow")
        form["csrf_token"] = await csrf(stack.client, "/console/reference/enterprises")
        done = await stack.client.post("/console/reference/enterprises", data=form)
        assert done.status_code == 303
        listed = await stack.client.get("/console/reference/enterprises")
        assert form["id"] in listed.text
        async with stack.sessions() as session:
            query = select(AuditRecord).where(col(AuditRecord.target_id) == form["id"])
            audit = (await session.execute(query)).scalar_one()
        assert audit.details == {"credit_code_override": "试点早期代码"}

    async def test_a_valid_code_registers(self, stack: Stack) -> None:
        await signed_in(stack.client, "officer.li@boc")
        form = enterprise_form(await csrf(stack.client, "/console/reference/enterprises"), a_credit_code())
        assert (await stack.client.post("/console/reference/enterprises", data=form)).status_code == 303
        assert await enterprises_named(stack, form["id"]) == 1


class TestWhoMayRegister:
    async def test_a_valuer_sees_the_list_but_no_form_and_a_forged_post_changes_nothing(self, stack: Stack) -> None:
        await signed_in(stack.client, "valuer.sun@demo")
        page = await stack.client.get("/console/reference/products")
        assert page.status_code == 200
        assert "boc-zhihuidai" in page.text
        assert 'id="step-form"' not in page.text
        token = re.search(r'data-csrf="([^"]+)"', page.text)
        assert token is not None
        forged = {"csrf_token": token.group(1), "effective_date": "2026-11-20", "one_year_percent": "2.9"}
        answer = await stack.client.post("/console/reference/lpr", data=forged)
        assert answer.status_code == 403
        assert "2.9000" not in (await stack.client.get("/console/reference/lpr")).text

    async def test_a_platform_admin_records_the_lpr(self, stack: Stack) -> None:
        await signed_in(stack.client, "ops@pledgeflow")
        token = await csrf(stack.client, "/console/reference/lpr")
        form = {"csrf_token": token, "effective_date": "2026-11-20", "one_year_percent": "2.95"}
        assert (await stack.client.post("/console/reference/lpr", data=form)).status_code == 303
        assert "2.95" in (await stack.client.get("/console/reference/lpr")).text

    async def test_a_product_with_its_pledge_rates(self, stack: Stack) -> None:
        await signed_in(stack.client, "approver.wang@boc")
        token = await csrf(stack.client, "/console/reference/products")
        form = {
            "csrf_token": token,
            "id": f"boc-{uuid.uuid4().hex[:6]}",
            "bank_id": "boc-shenzhen",
            "name": "知识产权快贷",
            "pledge_rates.invention_patent": "0.40",
            "pledge_rates.trademark": "0.30",
            "min_term_months": "6",
            "max_term_months": "36",
            "min_spread_bp": "0",
            "max_spread_bp": "150",
            "repayment_modes": "monthly_interest",
            "day_count": "act_360",
        }
        assert (await stack.client.post("/console/reference/products", data=form)).status_code == 303
        assert form["id"] in (await stack.client.get("/console/reference/products")).text
