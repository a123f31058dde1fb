"""A station's visits through HTTP, on the real Temporal dev server and PostgreSQL: planned, then done (logged once on
the case, the next one planned), cancelled or failed; the calendar of a range; the dates and strangers refused with
nothing changed; a failover between the case's step and the visit's end; the iCalendar feed a phone subscribes to;
and the touches recorded by hand in the service record."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import text

from contracts.enums import District, Role
from tests.api.loan_stack import OFFICER, REVIEWER, SPECIALIST, Stack, open_case, today

pytestmark = pytest.mark.e2e

VISITS = "/stations/station-guangming/visits"
OTHER_STATION = (Role.STATION_SPECIALIST, "station-nanshan", District.NANSHAN)


def day(offset: int) -> str:
    return (date.fromisoformat(today()) + timedelta(days=offset)).isoformat()


def plan(loan_id: str | None, on: str | None = None, **more: object) -> dict[str, object]:
    return {
        "enterprise_id": "ent-guangming-demo", "loan_id": loan_id, "planned_on": on or today(), "starts_at": "09:30",
        "place": "光明区企业总部", "purposes": ["policy_briefing", "valuation"], "account_manager": "中行 李经理",
    } | more  # fmt: skip


DONE = {
    "visited_on": "", "people": ["周光明"], "account_manager_present": True, "outcome": "了解融资需求",
    "documents": ["营业执照", "专利证书"], "next_step": "准备评估材料",
}  # fmt: skip


async def visit_events(stack: Stack, loan_id: str) -> int:
    timeline = await stack.get(f"/loans/{loan_id}/timeline", SPECIALIST)
    return sum(1 for e in timeline if e["kind"] == "visit_logged")


async def test_a_visit_is_planned_once_done_once_logged_on_its_case_and_plans_the_next(stack: Stack) -> None:
    loan_id = await open_case(stack)
    key = uuid.uuid4().hex
    planned = await stack.post(VISITS, SPECIALIST, plan(loan_id), key=key, expect=201)
    again = await stack.post(VISITS, SPECIALIST, plan(loan_id), key=key, expect=201)
    assert again["id"] == planned["id"]
    assert (planned["state"], planned["specialist"]) == ("planned", "station_specialist@station-guangming")
    assert planned["enterprise_name"] != planned["enterprise_id"]

    done_key = uuid.uuid4().hex
    body = DONE | {"visited_on": today(), "next_visit_on": day(7)}
    done = await stack.post(f"{VISITS}/{planned['id']}/done", SPECIALIST, body, key=done_key)
    assert (done["state"], done["day"], done["logged_on_case"]) == ("done", today(), True)
    assert done["documents"] == ["营业执照", "专利证书"]
    assert done["account_manager_present"] is True
    assert await visit_events(stack, loan_id) == 1
    replay = await stack.client.post(
        f"{VISITS}/{planned['id']}/done", json=body, headers=stack.headers(SPECIALIST, key=done_key)
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    refused = await stack.client.post(f"{VISITS}/{planned['id']}/done", json=body, headers=stack.headers(SPECIALIST))
    assert (refused.status_code, refused.json()["type"].rsplit("/", 1)[-1]) == (409, "visit-ended")
    assert await visit_events(stack, loan_id) == 1

    calendar = await stack.get(f"{VISITS}?from={today()}&to={day(7)}", REVIEWER)
    ours = {v["id"]: v for v in calendar["visits"] if v["loan_id"] == loan_id}
    one = f"{VISITS}?from={today()}&to={day(7)}&specialist="
    assert planned["id"] in [v["id"] for v in (await stack.get(one + planned["specialist"], REVIEWER))["visits"]]
    assert (await stack.get(one + "someone-else", REVIEWER))["visits"] == []  # a calendar per specialist
    follow_up = ours[done["follow_up_id"]]
    assert (follow_up["state"], follow_up["planned_on"], follow_up["note"]) == ("planned", day(7), "准备评估材料")
    case = await stack.get(f"/loans/{loan_id}", SPECIALIST)
    assert case["stage"] == "guidance"
    board = await stack.get("/stations/station-guangming/cases?stage=guidance", SPECIALIST)
    row = next(c for c in board["cases"] if c["loan_id"] == loan_id)
    assert (row["last_visit"], row["due"], row["due_what"]) == (today(), day(7), "planned_visit")


async def test_bad_dates_and_strangers_are_refused_and_change_nothing(stack: Stack) -> None:
    loan_id = await open_case(stack)
    planned = await stack.post(VISITS, SPECIALIST, plan(loan_id), expect=201)
    path = f"{VISITS}/{planned['id']}"
    refusals = [
        (VISITS, SPECIALIST, plan(loan_id, day(-1)), 422, "passed"),
        (VISITS, SPECIALIST, plan(loan_id, day(400)), 422, "a year ahead"),
        (VISITS, SPECIALIST, plan("no-such-case"), 422, "not a case of your station"),
        (VISITS, SPECIALIST, plan(None, enterprise_id="ent-tencent"), 422, "another district"),
        (VISITS, REVIEWER, plan(loan_id), 403, "specialists"),
        (VISITS, OTHER_STATION, plan(loan_id), 404, "no service station"),
        (f"{path}/done", SPECIALIST, DONE | {"visited_on": day(1)}, 422, "in the future"),
        (f"{path}/done", SPECIALIST, DONE | {"visited_on": day(-1)}, 422, "before the case opened"),
        (f"{path}/done", SPECIALIST, DONE | {"visited_on": today(), "next_visit_on": today()}, 422, "after this one"),
        (f"{path}/incident", SPECIALIST, {"kind": "moved", "occurred_on": day(1), "reason": "x"}, 422, "future"),
        (f"{path}/done", OTHER_STATION, DONE | {"visited_on": today()}, 404, "no service station"),
        (f"{VISITS}/nosuchvisit/cancel", SPECIALIST, {"reason": "x"}, 404, "no visit"),
    ]
    for where, who, body, status, words in refusals:
        answer = await stack.client.post(where, json=body, headers=stack.headers(who))
        assert answer.status_code == status, (where, body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert words in answer.json()["detail"], answer.json()["detail"]
    too_long = await stack.client.get(f"{VISITS}?from={today()}&to={day(200)}", headers=stack.headers(SPECIALIST))
    assert too_long.status_code == 422
    assert (await stack.get(path, SPECIALIST))["state"] == "planned"
    assert await visit_events(stack, loan_id) == 0
    # Back from yesterday's visit (on no case): planned for today, recorded done yesterday.
    unplanned = await stack.post(VISITS, SPECIALIST, plan(None), expect=201)
    done = await stack.post(f"{VISITS}/{unplanned['id']}/done", SPECIALIST, DONE | {"visited_on": day(-1)})
    assert (done["state"], done["day"], done["logged_on_case"]) == ("done", day(-1), False)


async def test_a_failover_between_the_cases_step_and_the_visits_end_logs_the_visit_once(stack: Stack) -> None:
    """PostgreSQL fails the visit's end (40001, as a failover does) after the case took the step: 503, the visit
    still planned; the retry — even under another Idempotency-Key — joins the same update on the case (its id is the
    visit's) and ends the visit: one visit on the case."""
    loan_id = await open_case(stack)
    planned = await stack.post(VISITS, SPECIALIST, plan(loan_id), expect=201)
    async with stack.sessions() as session, session.begin():
        for statement in _FAIL_ONCE:
            await session.execute(text(statement))
    try:
        key = uuid.uuid4().hex
        body = DONE | {"visited_on": today()}
        first = await stack.client.post(
            f"{VISITS}/{planned['id']}/done", json=body, headers=stack.headers(SPECIALIST, key=key)
        )
        assert first.status_code == 503, first.text
        assert (await stack.get(f"{VISITS}/{planned['id']}", SPECIALIST))["state"] == "planned"
        assert await visit_events(stack, loan_id) == 1  # the case took it
        # Sent again under another key (a console form sent twice): still the one update on the case.
        done = await stack.post(f"{VISITS}/{planned['id']}/done", SPECIALIST, body, key=uuid.uuid4().hex)
        assert done["state"] == "done"
        assert await visit_events(stack, loan_id) == 1
    finally:
        async with stack.sessions() as session, session.begin():
            await session.execute(text("DROP TRIGGER fail_once ON station_visit"))


_FAIL_ONCE = (
    "CREATE SEQUENCE IF NOT EXISTS visit_fail_once",
    """CREATE OR REPLACE FUNCTION visit_fail_once() RETURNS trigger AS $$
       BEGIN
         IF NEW.state = 'done' AND nextval('visit_fail_once') = 1 THEN
           RAISE EXCEPTION 'failing over' USING ERRCODE = '40001';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER fail_once BEFORE UPDATE ON station_visit FOR EACH ROW EXECUTE FUNCTION visit_fail_once()",
)


async def test_cancelled_and_failed_visits_and_calls_show_in_the_feed_and_the_service_record(stack: Stack) -> None:
    cancelled = await stack.post(VISITS, SPECIALIST, plan(None, day(3)), expect=201)
    failed = await stack.post(VISITS, SPECIALIST, plan(None, starts_at=None), expect=201)
    await stack.post(f"{VISITS}/{cancelled['id']}/cancel", SPECIALIST, {"reason": "企业负责人出差"})
    incident = {"kind": "closed", "occurred_on": today(), "reason": "企业大门紧闭"}
    ended = await stack.post(f"{VISITS}/{failed['id']}/incident", SPECIALIST, incident)
    assert (ended["state"], ended["incident_kind"], ended["reason"]) == ("incident", "closed", "企业大门紧闭")
    again = await stack.client.post(
        f"{VISITS}/{failed['id']}/cancel", json={"reason": "x"}, headers=stack.headers(SPECIALIST)
    )
    assert again.status_code == 409

    call = {"kind": "call", "occurred_on": today(), "summary": "电话确认贴息申报材料"}
    touch = await stack.post("/enterprises/ent-guangming-demo/touches", SPECIALIST, call, expect=201)
    assert touch["kind_label"] == "电话沟通"
    refused = await stack.client.post(
        "/enterprises/ent-guangming-demo/touches",
        json=call | {"occurred_on": day(1)},
        headers=stack.headers(SPECIALIST),
    )
    assert refused.status_code == 422
    record = await stack.get("/enterprises/ent-guangming-demo/service-record", REVIEWER)
    kinds = {(t["source"], t["kind"], t["subject"]) for t in record["touches"]}
    assert ("visit", "visit_incident", failed["id"]) in kinds
    assert ("touch", "call", touch["id"]) in kinds
    assert record["contacts"] >= 2

    address = await stack.post(f"{VISITS}/feed", SPECIALIST, {}, expect=201)
    path = address["url"].split("://", 1)[1].split("/", 1)[1]
    served = await stack.client.get(f"/{path}")  # no bearer token: a phone's calendar has none
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/calendar")
    events = {str(e["uid"]): e for e in Calendar.from_ical(served.content).walk("VEVENT")}
    assert str(events[f"visit-{cancelled['id']}@pledgeflow"]["status"]) == "CANCELLED"
    mine = events[f"visit-{failed['id']}@pledgeflow"]
    assert "光明区企业总部" in str(mine["location"])
    assert "企业大门紧闭" in str(mine["description"])
    assert any(c.name == "VTIMEZONE" for c in Calendar.from_ical(served.content).subcomponents)
    await stack.post(f"{VISITS}/feed", SPECIALIST, {}, expect=201)
    assert (await stack.client.get(f"/{path}")).status_code == 404  # the old address is cut off
    assert (await stack.client.post(f"{VISITS}/feed", json={}, headers=stack.headers(OFFICER))).status_code == 404
