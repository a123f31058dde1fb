"""Each party reads the loan through its own view: on a loan with a guarantor, an insurer and an appraisal agency,
which fields each role gets and which it never does (over HTTP, on the real stack)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.api.bodies import PROPOSAL, QUALIFIED, application, valuation
from tests.api.loan_stack import (
    ADMIN,
    APPROVER,
    ENTERPRISE,
    GUARANTOR,
    INSURER,
    OFFICER,
    REVIEWER,
    SPECIALIST,
    VALUER,
    Stack,
    open_case,
    to_approval,
    today,
)
from tests.api.step_loans import new_asset

pytestmark = pytest.mark.e2e

ASSET = "ip-gm-inv-1"
# Fields no party but the bank (and the platform's operators) ever reads.
BANK_ONLY = {"decision", "note", "max_loan", "servicing", "visits", "disposal"}


@pytest.fixture(scope="module")
async def loan_id(stack: Stack) -> str:
    """A disbursed loan with a guarantor and an insurer, valued by the demo appraisal agency, one repayment in."""
    loan_id = await open_case(stack)
    base = f"/loans/{loan_id}"
    await to_approval(stack, loan_id, ASSET)
    terms = {**PROPOSAL, "credit_support": ["guarantee_company", "insurance"], "insurer_id": "demo-insurer"}
    await stack.post(f"{base}/proposal", OFFICER, terms)
    await stack.post(f"{base}/approval-decision", APPROVER, {"approve": True, "reason": "内部评级A，同意"})
    await stack.post(f"{base}/sign-offs", GUARANTOR, {"contract_number": "深担保字0001", "fee": "30000.00"})
    await stack.post(f"{base}/sign-offs", INSURER, {"contract_number": "保单PX-77", "fee": "9000.00"})
    await stack.post(f"{base}/registrations", OFFICER, {"asset_id": ASSET, "channel": "online", "filed_on": today()})
    await stack.post(
        f"{base}/registration-outcomes",
        OFFICER,
        {"asset_id": ASSET, "registered": True, "registration_number": "Y2026440000777", "effective_date": today()},
    )
    loan = await stack.post(
        f"{base}/disbursement",
        OFFICER,
        {"contract_number": "中银借字777", "amount": "3000000.00", "disbursed_on": today(), "voucher": "内部凭证V777"},
    )
    assert loan["stage"] == "servicing"
    return loan_id


async def view_of(stack: Stack, loan_id: str, who: tuple[Any, ...]) -> dict[str, Any]:
    view: dict[str, Any] = await stack.get(f"/loans/{loan_id}", who)
    return view


def mentions(view: dict[str, Any], *texts: str) -> list[str]:
    """Which of `texts` appear anywhere in the view's JSON."""
    body = json.dumps(view, ensure_ascii=False)
    return [t for t in texts if t in body]


class TestTheBank:
    async def test_sees_everything_including_its_decision_and_voucher(self, stack: Stack, loan_id: str) -> None:
        for who in (OFFICER, APPROVER, ADMIN):
            view = await view_of(stack, loan_id, who)
            assert view["view"] == "bank"
            assert view["decision"]["reason"] == "内部评级A，同意"
            assert view["disbursement"]["voucher"] == "内部凭证V777"
            assert {s["org_id"]: s["fee"] for s in view["sign_offs"]} == {
                "sz-guarantee": "30000.00",
                "demo-insurer": "9000.00",
            }
            assert view["max_loan"] == "4000000.00"
            assert view["servicing"]["tier"] == "normal"
            assert view["position"]["outstanding_principal"] == "3000000.00"
            assert set(view["parties"]) == {"enterprise", "bank", "station", "valuer", "guarantor", "insurer"}


class TestTheEnterprise:
    async def test_sees_its_loan_and_what_it_owes_not_the_banks_notes(self, stack: Stack, loan_id: str) -> None:
        view = await view_of(stack, loan_id, ENTERPRISE)
        assert view["view"] == "enterprise"
        assert view["terms"]["amount"] == "3000000.00"
        assert view["position"]["outstanding_principal"] == "3000000.00"
        assert view["disbursement"]["contract_number"] == "中银借字777"
        assert view["disbursement"]["voucher"] is None
        assert {s["org_id"] for s in view["sign_offs"]} == {"sz-guarantee", "demo-insurer"}  # it pays both fees
        assert not BANK_ONLY & set(view)
        assert "classification" not in view
        assert mentions(view, "内部评级A", "内部凭证V777") == []


class TestGuarantorAndInsurer:
    @pytest.mark.parametrize(
        ("who", "own", "other"),
        [(GUARANTOR, "深担保字0001", "保单PX-77"), (INSURER, "保单PX-77", "深担保字0001")],
        ids=["guarantor", "insurer"],
    )
    async def test_see_the_terms_and_their_own_sign_off_only(
        self, stack: Stack, loan_id: str, who: tuple[Any, ...], own: str, other: str
    ) -> None:
        view = await view_of(stack, loan_id, who)
        assert view["view"] == who[0].value
        assert view["terms"]["amount"] == "3000000.00"
        assert view["sign_off"]["contract_number"] == own
        assert "sign_offs" not in view
        assert view["risk"]["tier"] == "normal"
        assert all(v["fee"] is None for v in view["valuations"])  # the agency's fee is the enterprise's business
        assert not BANK_ONLY & set(view)
        assert mentions(view, other, "30000.00" if who is INSURER else "9000.00", "内部评级A", "内部凭证V777") == []


class TestTheValuer:
    async def test_sees_the_assets_and_its_own_reports_no_amounts(self, stack: Stack, loan_id: str) -> None:
        view = await view_of(stack, loan_id, VALUER)
        assert view["view"] == "valuer"
        assert [a["id"] for a in view["assets"]] == [ASSET]
        assert [v["report_number"] for v in view["valuations"]] == [f"深评[{loan_id}]"]
        assert view["valuation_accepted"] is True
        for field in ("requested_amount", "approved_amount", "terms", "sign_off", "sign_offs", "disbursement"):
            assert field not in view
        assert set(view["parties"]) == {"enterprise", "bank", "valuer"}
        assert mentions(view, "3000000", "深担保字0001", "保单PX-77", "内部评级A") == []

    async def test_no_schedule_and_no_quote(self, stack: Stack, loan_id: str) -> None:
        for path in ("schedule", "prepayment-quote"):
            response = await stack.client.get(f"/loans/{loan_id}/{path}", headers=stack.headers(VALUER))
            assert response.status_code == 403, response.text
            assert response.headers["content-type"] == "application/problem+json"


class TestTheStation:
    async def test_sees_the_cases_progress_and_who_it_waits_on(self, stack: Stack, loan_id: str) -> None:
        view = await view_of(stack, loan_id, SPECIALIST)
        assert view["view"] == "station"
        assert len(view["visits"]) == 1
        assert view["qualification"]["passed"] is True
        assert [f["outcome"] for f in view["filings"]] == ["registered"]
        assert view["disbursement"]["voucher"] is None
        for field in ("terms", "sign_offs", "decision", "valuations", "servicing", "position"):
            assert field not in view
        assert mentions(view, "深担保字0001", "保单PX-77", "内部评级A", "内部凭证V777") == []


class TestTheDistrict:
    async def test_sees_what_supervision_and_subsidy_review_need(self, stack: Stack, loan_id: str) -> None:
        view = await view_of(stack, loan_id, REVIEWER)
        assert view["view"] == "supervision"
        assert {s["org_id"]: s["fee"] for s in view["sign_offs"]} == {
            "sz-guarantee": "30000.00",
            "demo-insurer": "9000.00",
        }
        assert view["valuations"][0]["fee"] == "20000.00"
        assert Decimal(view["servicing"]["interest_paid"]) == 0
        assert view["servicing"]["written_off"] is not None
        assert view["classification"] == "normal"
        assert "decision" not in view
        assert "visits" not in view
        assert mentions(view, "内部评级A", "内部凭证V777") == []


class TestTimeline:
    async def test_each_party_reads_only_what_it_may(self, stack: Stack, loan_id: str) -> None:
        bank = await stack.get(f"/loans/{loan_id}/timeline", OFFICER)
        assert any("内部评级A" in e["summary"] for e in bank)
        assert all(e["by"] for e in bank)
        insurer = await stack.get(f"/loans/{loan_id}/timeline", INSURER)
        assert not [e for e in insurer if "深担保字0001" in e["summary"] or "内部评级A" in e["summary"]]
        own = [e for e in insurer if e["organisation"] == "demo-insurer"]
        assert [e["kind"] for e in own] == ["signed_off"]
        assert own[0]["by"] == "insurer@demo-insurer"
        assert all(e["by"] is None for e in insurer if e["organisation"] != "demo-insurer")
        assert "visit_logged" not in {e["kind"] for e in insurer}
        valuer = await stack.get(f"/loans/{loan_id}/timeline", VALUER)
        assert {e["kind"] for e in valuer} <= {
            "opened",
            "application_submitted",
            "valuation_submitted",
            "valuation_accepted",
        }
        assert not [e for e in valuer if "3,000,000" in e["summary"] or "4,000,000" in e["summary"]]
        enterprise = await stack.get(f"/loans/{loan_id}/timeline", ENTERPRISE)
        approved = next(e for e in enterprise if e["kind"] == "approved")
        assert approved["summary"] == "授信审批通过"


class TestListRows:
    async def test_a_valuer_lists_the_loan_without_amounts(self, stack: Stack, loan_id: str) -> None:
        rows = {row["id"]: row for row in (await stack.get("/loans", VALUER))["items"]}
        assert rows[loan_id]["requested_amount"] is None
        assert rows[loan_id]["disbursed_amount"] is None
        officer_rows = {row["id"]: row for row in (await stack.get("/loans", OFFICER))["items"]}
        assert officer_rows[loan_id]["disbursed_amount"] == "3000000.00"

    async def test_the_enterprise_lists_without_the_banks_classification(self, stack: Stack, loan_id: str) -> None:
        row = next(r for r in (await stack.get("/loans", ENTERPRISE))["items"] if r["id"] == loan_id)
        assert row["classification"] is None
        assert row["max_loan"] is None
        assert row["disbursed_amount"] == "3000000.00"


class TestWaitingOn:
    async def test_the_loan_says_whose_move_it_is(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        view = await view_of(stack, loan_id, SPECIALIST)
        waiting = {w["role"]: w["actions"] for w in view["waiting_on"]}
        assert waiting["station_specialist"] == ["review_qualification"]  # the application needs it first
        assert "bank_officer" not in waiting  # no bank on the case yet

    async def test_a_list_row_says_it_too_to_those_whose_loan_page_does(self, stack: Stack) -> None:
        """`GET /loans` carries the enterprise's name and who the loan waits on, from the read model's own columns,
        as the loan page says it; the parties whose loan page does not say it (valuer, guarantor, insurer,
        district) get no `waiting_on` in the list either."""
        loan_id = await open_case(stack)
        await stack.post(f"/loans/{loan_id}/qualification-review", SPECIALIST, QUALIFIED)
        await stack.post(f"/loans/{loan_id}/application", SPECIALIST, application("ip-gm-um-1"))
        page = await view_of(stack, loan_id, OFFICER)
        for who in (OFFICER, SPECIALIST, ENTERPRISE, VALUER, REVIEWER):
            row = next(r for r in (await stack.get("/loans?sort=activity", who))["items"] if r["id"] == loan_id)
            assert row["enterprise_name"] == page["parties"]["enterprise"]["name"] != ""
            if who in (VALUER, REVIEWER):
                assert row["waiting_on"] is None
            else:
                assert row["waiting_on"] == page["waiting_on"]
                assert {w["role"] for w in row["waiting_on"]} >= {"valuer"}  # the report is awaited now


class TestPartiesByName:
    async def test_a_step_that_brings_in_a_party_answers_with_its_name(self, stack: Stack) -> None:
        loan_id = await open_case(stack)
        base = f"/loans/{loan_id}"
        await stack.post(f"{base}/qualification-review", SPECIALIST, QUALIFIED)
        loan = await stack.post(f"{base}/application", SPECIALIST, application("ip-gm-inv-2"))
        assert loan["parties"]["bank"] == {"id": "boc-shenzhen", "name": "中国银行"}
        assert loan["parties"]["valuer"] == {"id": "demo-appraisal", "name": "演示资产评估有限公司"}


# What a view shows of the loan's summary (the state's one projection).
SUMMARY_FIELDS = (
    "stage",
    "requested_amount",
    "max_loan",
    "approved_amount",
    "disbursed_amount",
    "outstanding_principal",
    "classification",
    "overdue_since",
    "days_past_due",
)


class TestOneProjection:
    async def test_every_steps_answer_says_what_the_loan_then_reads(self, stack: Stack) -> None:
        """A step answers with the summary its workflow computed; a read takes it from the read model's row. Step by
        step to the disbursement, each answer says of the summary exactly what reading the loan right after says."""
        asset = await new_asset(stack)
        loan_id = await open_case(stack)
        base = f"/loans/{loan_id}"
        steps: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
            ("qualification-review", SPECIALIST, QUALIFIED),
            ("application", SPECIALIST, application(asset)),
            ("valuations", VALUER, valuation(asset, f"深评[{loan_id}]")),
            ("valuation-acceptance", OFFICER, {}),
            ("proposal", OFFICER, PROPOSAL),
            ("approval-decision", APPROVER, {"approve": True, "reason": "同意"}),
            ("sign-offs", GUARANTOR, {"contract_number": "深担保字0002", "fee": "30000.00"}),
            ("registrations", OFFICER, {"asset_id": asset, "channel": "online", "filed_on": today()}),
            (
                "registration-outcomes",
                OFFICER,
                {
                    "asset_id": asset,
                    "registered": True,
                    "registration_number": "Y2026440000778",
                    "effective_date": today(),
                },
            ),
            (
                "disbursement",
                OFFICER,
                {"contract_number": "中银借字778", "amount": "3000000.00", "disbursed_on": today(), "voucher": "V778"},
            ),
        ]
        stages = []
        for path, who, body in steps:
            answer = await stack.post(f"{base}/{path}", who, body)
            read = await view_of(stack, loan_id, who)
            shown = [field for field in SUMMARY_FIELDS if field in read]
            assert {f: answer[f] for f in shown} == {f: read[f] for f in shown}, path
            stages.append(answer["stage"])
        assert stages[-1] == "servicing"
        assert {"approval", "registration", "disbursement"} <= set(stages)
        assert answer["approved_amount"] == answer["disbursed_amount"] == "3000000.00"
        assert answer["outstanding_principal"] == "3000000.00"
