"""`GET /portfolio`: the caller's loans counted by stage and classification, and nobody else's."""

from __future__ import annotations

from tests.api.loan_stack import OFFICER, OTHER_OFFICER, SPECIALIST, Stack, open_case


async def test_counts_only_the_callers_loans(stack: Stack) -> None:
    await open_case(stack)
    mine = await stack.get("/portfolio", SPECIALIST)
    guidance = next(g for g in mine["by_stage"] if g["key"] == "guidance")
    assert guidance["loans"] >= 1
    assert guidance["label"] == "贷前指导"
    assert mine["by_classification"] == []  # nothing disbursed yet
    assert (await stack.get("/portfolio", OTHER_OFFICER)) == {"by_stage": [], "by_classification": []}
    assert (await stack.get("/portfolio", OFFICER))["by_stage"] == []  # no application to this bank yet


async def test_needs_a_sign_in(stack: Stack) -> None:
    response = await stack.client.get("/portfolio")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
