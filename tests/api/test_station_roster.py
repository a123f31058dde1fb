"""A station's roster and an enterprise's assignment through HTTP: kept by the district's office, read by the station;
refusals change nothing; an assigned enterprise's case opened by a bank is followed by its station (on its board,
with its specialist, who finds it among their own)."""

from __future__ import annotations

import pytest

from contracts.enums import District, Role
from tests.api.loan_stack import ADMIN, OFFICER, REVIEWER, SPECIALIST, Stack

pytestmark = pytest.mark.e2e

MEMBERS = "/stations/station-guangming/members"
NANSHAN_REVIEWER = (Role.DISTRICT_REVIEWER, "office-nanshan", District.NANSHAN)
SPECIALIST_WANG = {"name": "王专员", "kind": "specialist", "sub": "wang@gxz", "phone": "138 0000 0000"}
MANAGER = {"name": "张经理", "kind": "account_manager", "bank_id": "icbc-shenzhen"}


async def put(
    stack: Stack, path: str, who: tuple[Role, str, District | None], body: object
) -> tuple[int, dict[str, object]]:
    answer = await stack.client.put(path, json=body, headers=stack.headers(who))
    return answer.status_code, answer.json()


async def test_the_office_keeps_the_roster_and_the_station_reads_it(stack: Stack) -> None:
    status, roster = await put(stack, f"{MEMBERS}/wang", REVIEWER, SPECIALIST_WANG)
    assert status == 200, roster
    status, roster = await put(stack, f"{MEMBERS}/zhang-icbc", ADMIN, MANAGER)
    assert status == 200, roster
    seen = await stack.get(MEMBERS, SPECIALIST)
    kinds = {m["id"]: (m["kind"], m["sub"], m["bank_id"]) for m in seen["members"]}
    assert kinds["wang"] == ("specialist", "wang@gxz", None)
    assert kinds["zhang-icbc"] == ("account_manager", None, "icbc-shenzhen")
    assert "zhou-guangming" in kinds  # the demo roster
    refusals = [
        (SPECIALIST, SPECIALIST_WANG | {"name": "改名"}, 403),
        (REVIEWER, {"name": "无账号", "kind": "specialist"}, 422),
        (REVIEWER, MANAGER | {"bank_id": "no-such-bank"}, 422),
        (REVIEWER, MANAGER | {"bank_id": "sz-guarantee"}, 422),
        (REVIEWER, SPECIALIST_WANG | {"phone": "call me"}, 422),
        (NANSHAN_REVIEWER, SPECIALIST_WANG, 404),
    ]
    for who, body, expected in refusals:
        status, problem = await put(stack, f"{MEMBERS}/wang", who, body)
        assert status == expected, (body, problem)
    assert {m["id"]: m["name"] for m in (await stack.get(MEMBERS, REVIEWER))["members"]}["wang"] == "王专员"


async def test_an_assigned_enterprises_case_opened_by_a_bank_is_followed_by_its_station(stack: Stack) -> None:
    await put(stack, f"{MEMBERS}/wang", REVIEWER, SPECIALIST_WANG)
    await put(stack, f"{MEMBERS}/gone", REVIEWER, SPECIALIST_WANG | {"sub": "gone@gxz", "active": False})
    path = "/enterprises/ent-guangming-demo/assignment"
    for who, body, expected in [
        (NANSHAN_REVIEWER, {"station_id": "station-guangming"}, 403),
        (REVIEWER, {"station_id": "boc-shenzhen"}, 422),
        (REVIEWER, {"station_id": "station-guangming", "specialist_id": "gone"}, 422),
        (REVIEWER, {"station_id": "station-guangming", "specialist_id": "zhang-icbc"}, 422),
        (SPECIALIST, {"station_id": "station-guangming"}, 403),
    ]:
        status, problem = await put(stack, path, who, body)
        assert status == expected, (body, problem)
    record = await stack.get("/enterprises/ent-guangming-demo/service-record", REVIEWER)
    assert record["assignment"] is None
    status, assigned = await put(stack, path, REVIEWER, {"station_id": "station-guangming", "specialist_id": "wang"})
    assert status == 200, assigned
    assert (assigned["station_id"], assigned["specialist_name"]) == ("station-guangming", "王专员")
    record = await stack.get("/enterprises/ent-guangming-demo/service-record", SPECIALIST)
    assert record["assignment"]["specialist_id"] == "wang"

    loan = await stack.post("/loans", OFFICER, {"enterprise_id": "ent-guangming-demo"}, expect=201)
    board = await stack.get("/stations/station-guangming/cases", SPECIALIST)
    row = next(c for c in board["cases"] if c["loan_id"] == loan["id"])
    assert (row["specialist"], row["specialist_sub"]) == ("王专员", "wang@gxz")
    mine = "/stations/station-guangming/cases?mine=true"
    wang = (await stack.client.get(mine, headers=stack.headers(SPECIALIST, sub="wang@gxz"))).json()
    assert loan["id"] in [c["loan_id"] for c in wang["cases"]]
    assert loan["id"] not in [c["loan_id"] for c in (await stack.get(mine, SPECIALIST))["cases"]]
