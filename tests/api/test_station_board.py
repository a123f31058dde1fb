"""A station's board through HTTP: its open cases with their ages and flags, filtered and sorted; a case idle past
its stage's limit is stalled until the specialist's next visit; only the station's own specialists, its district's
office and the administrators see it (404 for anyone else)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from contracts.enums import District, Role
from services.store.tables import Loan, LoanEvent
from tests.api.loan_stack import OFFICER, REVIEWER, SPECIALIST, Stack, disbursed, open_case, today

pytestmark = pytest.mark.e2e

BOARD = "/stations/station-guangming/cases"
OTHER_STATION = (Role.STATION_SPECIALIST, "station-nanshan", District.NANSHAN)
NANSHAN_REVIEWER = (Role.DISTRICT_REVIEWER, "office-nanshan", District.NANSHAN)


async def idle_for(stack: Stack, loan_id: str, days: int) -> None:
    """The case's last activity moved `days` back (as if nobody had touched it since)."""
    async with stack.sessions() as session, session.begin():
        back = timedelta(days=days)
        await session.execute(update(Loan).where(col(Loan.id) == loan_id).values(updated_at=Loan.updated_at - back))
        await session.execute(
            update(LoanEvent).where(col(LoanEvent.loan_id) == loan_id).values(occurred_at=LoanEvent.occurred_at - back)
        )


async def test_the_board_flags_an_idle_case_until_the_next_visit(stack: Stack) -> None:
    fresh, idle = await open_case(stack), await open_case(stack)
    await idle_for(stack, idle, 30)
    board = await stack.get(BOARD, SPECIALIST)
    rows = {c["loan_id"]: c for c in board["cases"]}
    assert (rows[fresh]["stage"], rows[fresh]["age"], rows[fresh]["stalled"]) == ("guidance", 0, False)
    assert rows[idle]["idle"] >= 10
    assert rows[idle]["stalled"] is True
    assert rows[idle]["age"] == rows[idle]["idle"]  # in guidance since it opened
    assert "review_qualification" in rows[idle]["next_actions"]  # the specialist's own step first
    assert board["cases"][0]["loan_id"] == idle  # the idlest first
    stalled = await stack.get(f"{BOARD}?stalled=true", SPECIALIST)
    assert idle in [c["loan_id"] for c in stalled["cases"]]
    assert fresh not in [c["loan_id"] for c in stalled["cases"]]
    assert (await stack.get(f"{BOARD}?stage=valuation", SPECIALIST))["cases"] == []

    visit = {"visited_on": today(), "people": ["周光明"], "place": "光明区", "outcome": "有融资需求"}
    tomorrow = (date.fromisoformat(today()) + timedelta(days=1)).isoformat()
    await stack.post(f"/loans/{idle}/visits", SPECIALIST, visit | {"next_visit_on": tomorrow})
    row = next(c for c in (await stack.get(BOARD, SPECIALIST))["cases"] if c["loan_id"] == idle)
    assert (row["stalled"], row["idle"], row["last_visit"]) == (False, 0, today())
    assert (row["due"], row["due_what"], row["near_deadline"]) == (tomorrow, "planned_visit", True)


async def test_a_disbursed_case_shows_its_next_instalment(stack: Stack) -> None:
    loan_id = await disbursed(stack, "ip-gm-inv-2")
    first = (await stack.get(f"/loans/{loan_id}/schedule", OFFICER))[0]
    row = next(c for c in (await stack.get(f"{BOARD}?stage=servicing", SPECIALIST))["cases"] if c["loan_id"] == loan_id)
    assert (row["due"], row["due_what"]) == (first["due_date"], "instalment")
    assert row["age"] == 0  # entered servicing today
    # The specialist follows the case after disbursement (贴息申报 and the rest): a visit is taken, and shows.
    visit = {"visited_on": today(), "people": ["周光明"], "place": "企业", "outcome": "指导贴息申报"}
    await stack.post(f"/loans/{loan_id}/visits", SPECIALIST, visit)
    row = next(c for c in (await stack.get(f"{BOARD}?stage=servicing", SPECIALIST))["cases"] if c["loan_id"] == loan_id)
    assert row["last_visit"] == today()


async def test_only_the_station_and_its_district_see_the_board(stack: Stack) -> None:
    assert (await stack.get(BOARD, REVIEWER))["station_id"] == "station-guangming"
    for who in (OTHER_STATION, NANSHAN_REVIEWER, OFFICER):
        refused = await stack.client.get(BOARD, headers=stack.headers(who))
        assert refused.status_code == 404
    bad = await stack.client.get(f"{BOARD}?sort=anything", headers=stack.headers(SPECIALIST))
    assert bad.status_code == 422
