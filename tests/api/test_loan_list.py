"""`GET /loans`: search by the enterprise's name, open or ended cases, and the order (opened or latest activity)."""

from __future__ import annotations

from tests.api.loan_stack import SPECIALIST, Stack, open_case, today


async def ids(stack: Stack, query: str) -> list[str]:
    page = await stack.get(f"/loans?{query}", SPECIALIST)
    return [item["id"] for item in page["items"]]


async def test_search_by_part_of_the_enterprises_name(stack: Stack) -> None:
    loan = await open_case(stack)
    assert loan in await ids(stack, "q=光明演示")
    assert loan not in await ids(stack, "q=腾讯")
    assert await ids(stack, "q=%25") == []  # a % is a character to find, not a wildcard


async def test_open_and_ended_cases(stack: Stack) -> None:
    kept, ended = await open_case(stack), await open_case(stack)
    await stack.post(f"/loans/{ended}/withdrawal", SPECIALIST, {"reason": "企业暂无融资需求"})
    active = await ids(stack, "active=true&limit=200")
    assert kept in active
    assert ended not in active
    assert ended in await ids(stack, "active=false&limit=200")


async def test_latest_activity_first(stack: Stack) -> None:
    older, newer = await open_case(stack), await open_case(stack)
    assert (await ids(stack, "limit=2")) == [newer, older]
    visit = {"visited_on": today(), "people": ["周光明"], "place": "光明区", "outcome": "有融资需求"}
    await stack.post(f"/loans/{older}/visits", SPECIALIST, visit)
    assert (await ids(stack, "sort=activity&limit=2")) == [older, newer]


async def test_a_cursor_belongs_to_its_order(stack: Stack) -> None:
    await open_case(stack)
    await open_case(stack)
    page = await stack.get("/loans?limit=1", SPECIALIST)
    assert page["next_cursor"] is not None
    response = await stack.client.get(
        f"/loans?limit=1&sort=activity&cursor={page['next_cursor']}", headers=stack.headers(SPECIALIST)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_search_with_a_character_postgresql_cannot_hold_is_refused(stack: Stack) -> None:
    response = await stack.client.get("/loans?q=%00%F0%A3%8D%B2", headers=stack.headers(SPECIALIST))
    assert response.status_code == 422  # found by the fuzzer: it was a 500
    assert response.headers["content-type"] == "application/problem+json"
