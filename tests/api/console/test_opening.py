"""Opening a case from the console: the API decides who may, and the same form sent twice opens one case."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import func, select
from sqlmodel import col

from services.store.tables import Loan
from tests.api.console.test_reference_pages import signed_in
from tests.api.loan_stack import Stack


async def form_of(stack: Stack) -> dict[str, str]:
    page = await stack.client.get("/console/loans/new")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert csrf is not None
    assert key is not None
    return {"csrf_token": csrf.group(1), "idempotency_key": key.group(1), "enterprise_id": "ent-guangming-demo"}


async def cases(stack: Stack) -> int:
    async with stack.sessions() as session:
        query = select(func.count()).where(col(Loan.enterprise_id) == "ent-guangming-demo")
        return int((await session.execute(query)).scalar_one())


async def test_the_same_form_sent_twice_opens_one_case(stack: Stack) -> None:
    await signed_in(stack.client, "specialist.zhou@gxz")
    form = await form_of(stack)
    before = await cases(stack)
    first, second = await asyncio.gather(
        stack.client.post("/console/loans/new", data=form), stack.client.post("/console/loans/new", data=form)
    )
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert await cases(stack) == before + 1


async def test_a_guarantor_cannot_open_a_case(stack: Stack) -> None:
    await signed_in(stack.client, "guarantor.chen@szg")
    before = await cases(stack)
    answer = await stack.client.post("/console/loans/new", data=await form_of(stack))
    assert answer.status_code == 403
    assert "station specialist or a bank officer" in answer.text
    assert await cases(stack) == before


async def test_a_step_without_the_form_token_is_refused_and_changes_nothing(stack: Stack) -> None:
    await signed_in(stack.client, "specialist.zhou@gxz")
    form = await form_of(stack)
    opened = await stack.client.post("/console/loans/new", data=form)
    loan_id = opened.headers["location"].rsplit("/", 1)[1]
    visit = {"visited_on": "2026-11-30", "people": "周光明", "place": "光明区", "outcome": "有融资需求"}
    refused = await stack.client.post(f"/console/loans/{loan_id}/steps/log_visit", data=visit)
    assert refused.status_code == 403
    assert (await stack.state(loan_id))["visits"] == []
