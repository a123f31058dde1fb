"""`pledgeflow demo`: drive one loan from a new case through disbursement and its first repayments over HTTP, then
its interest subsidy claim through the review to the public notice (services/cli/demo_subsidy.py).

Runs against a running `make run` (or any API whose development tokens it can mint). Each party acts with its
own demo token, as in real life: the 光明 station opens and guides the case, the appraisal agency values, the
bank approves with four eyes, the guarantor signs off, the bank registers the pledge and disburses.

It is a careful client (`services.cli.client`): each step has an Idempotency-Key of its own, sent again with the
step on a timeout, a dropped connection, a 5xx or a 409 in flight, so a worker or API restart in the middle of
the demo delays it and never breaks it or makes a step act twice.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from typing import Any

import httpx

from contracts.enums import Role
from services.cli.demo_caller import DemoCaller, StepFailed
from services.cli.demo_subsidy import claim_interest

ENTERPRISE = "ent-guangming-demo"


class Demo(DemoCaller):
    """The loan's story, step by step, as each party."""

    async def free_asset(self) -> str:
        assets = await self.call("find a free asset", Role.STATION_SPECIALIST, "GET", f"/ip-assets?owner={ENTERPRISE}")
        for asset in assets["items"]:
            if asset["pledged_in_loan"] is None and asset["kind"] == "invention_patent":
                return str(asset["id"])
        for asset in assets["items"]:
            if asset["pledged_in_loan"] is None:
                return str(asset["id"])
        raise StepFailed("find a free asset", f"every asset of {ENTERPRISE} is pledged in an open loan")

    async def run(self) -> str:
        day = self.today.isoformat()
        await self.reach()
        asset = await self.free_asset()
        loan = await self.step(
            1,
            "open the case",
            Role.STATION_SPECIALIST,
            "/loans",
            {"enterprise_id": ENTERPRISE, "note": "白名单企业，上门服务"},
        )
        base = f"/loans/{loan['id']}"
        print(f"    loan {loan['id']} for {loan['parties']['enterprise']['name']}, pledging {asset}")
        await self.step(
            2,
            "log a door-to-door visit",
            Role.STATION_SPECIALIST,
            f"{base}/visits",
            {
                "visited_on": day,
                "people": ["周光明", "光小知专员"],
                "place": "光明区企业办公室",
                "outcome": "企业有融资需求，讲解贴息政策",
                "next_action": "准备资质材料",
            },
        )
        await self.step(3, "tick 政策解读", Role.STATION_SPECIALIST, f"{base}/checklist", {"item": "policy_briefing"})
        await self.step(
            4,
            "qualification review (资质审查)",
            Role.STATION_SPECIALIST,
            f"{base}/qualification-review",
            {
                "registered_in_district": True,
                "taxpaying_in_district": True,
                "independent_legal_person": True,
                "owns_ip": True,
                "ip_valid_and_fees_paid": True,
            },
        )
        await self.step(
            5,
            "submit the application",
            Role.STATION_SPECIALIST,
            f"{base}/application",
            {
                "bank_id": "boc-shenzhen",
                "product_id": "boc-zhihuidai",
                "requested_amount": "3000000.00",
                "requested_term_months": 12,
                "asset_ids": [asset],
                "valuer_id": "demo-appraisal",
            },
        )
        await self.step(
            6,
            "valuation report (价值评估)",
            Role.VALUER,
            f"{base}/valuations",
            {
                "asset_id": asset,
                "method": "income",
                "value": "10000000.00",
                "base_date": day,
                "valid_until": (self.today + timedelta(days=365)).isoformat(),
                "report_number": f"演评字[{loan['id']}]",
                "agency": "演示资产评估有限公司",
                "fee": "20000.00",
            },
        )
        loan = await self.step(7, "accept the valuation", Role.BANK_OFFICER, f"{base}/valuation-acceptance", {})
        print(f"    maximum loan ¥{loan['max_loan']}")
        await self.step(
            8,
            "propose terms",
            Role.BANK_OFFICER,
            f"{base}/proposal",
            {
                "amount": "3000000.00",
                "spread_bp": 50,
                "term_months": 12,
                "repayment_mode": "monthly_interest",
                "credit_support": ["guarantee_company"],
                "guarantor_id": "sz-guarantee",
            },
        )
        await self.step(
            9,
            "approve (four eyes)",
            Role.BANK_APPROVER,
            f"{base}/approval-decision",
            {"approve": True, "reason": "估值充分，担保到位，同意"},
        )
        await self.step(
            10,
            "guarantor signs off",
            Role.GUARANTOR,
            f"{base}/sign-offs",
            {"contract_number": "深担（演示）保字第0001号", "fee": "30000.00"},
        )
        await self.step(
            11,
            "file the pledge registration",
            Role.BANK_OFFICER,
            f"{base}/registrations",
            {"asset_id": asset, "channel": "online", "filed_on": day},
        )
        await self.step(
            12,
            "record the registration (质权设立)",
            Role.BANK_OFFICER,
            f"{base}/registration-outcomes",
            {
                "asset_id": asset,
                "registered": True,
                "registration_number": f"Y{self.today:%Y}4400{loan['id'][:6]}",
                "effective_date": day,
            },
        )
        loan = await self.step(
            13,
            "disburse (放款)",
            Role.BANK_OFFICER,
            f"{base}/disbursement",
            {
                "contract_number": f"中银深借字（演示）{loan['id'][:8]}",
                "amount": "3000000.00",
                "disbursed_on": day,
                "voucher": "放款凭证（演示）",
            },
        )
        schedule = await self.call("read the schedule", Role.BANK_OFFICER, "GET", f"{base}/schedule")
        print(
            f"    disbursed ¥{loan['disbursed_amount']}; {len(schedule)} repayment lines, first due "
            f"{schedule[0]['due_date']}, last due {schedule[-1]['due_date']}"
        )
        await self.servicing(base, schedule)
        print(f"    timeline: {self.http.base_url}{base}/timeline")
        await claim_interest(self, str(loan["id"]), self.secret)
        return str(loan["id"])

    async def servicing(self, base: str, schedule: list[dict[str, Any]]) -> None:
        """A few repayments. In real time the demo cannot wait a month for a due date, so it pays the first
        instalment ahead (value date today), repays part of the principal early (quoted first), and shows the
        schedule move. The due-date timers themselves are visible in the Temporal UI (workflow `loan-<id>`,
        pending timers), and tests/workflows/test_servicing.py runs months of them on the time-skipping server."""
        day = self.today.isoformat()
        first = schedule[0]
        loan = await self.step(
            14,
            f"repay instalment 1 ahead of {first['due_date']} (还款)",
            Role.BANK_OFFICER,
            f"{base}/repayments",
            {"amount": first["total"], "value_date": day, "reference": "还款回单（演示）"},
        )
        print(f"    classification {loan['classification']}; outstanding ¥{loan['outstanding_principal']}")
        quote = await self.call(
            "quote an early repayment", Role.BANK_OFFICER, "GET", f"{base}/prepayment-quote?principal=500000.00"
        )
        print(f"    quote: ¥{quote['total']} (accrued interest ¥{quote['accrued_interest']})")
        loan = await self.step(
            15,
            "repay ¥500,000 early (提前还款)",
            Role.BANK_OFFICER,
            f"{base}/prepayments",
            {"value_date": day, "principal": "500000.00", "expected_total": quote["total"], "reference": "提前还款"},
        )
        lines = await self.call("read the schedule", Role.BANK_OFFICER, "GET", f"{base}/schedule")
        paid = sum(1 for line in lines if line["status"] == "paid")
        print(
            f"    outstanding ¥{loan['outstanding_principal']}; {paid} line(s) paid; "
            f"next due {loan['position']['next_due_date']}: ¥{loan['position']['next_due_amount']}"
        )


async def _run(api: str, secret: str) -> None:
    async with httpx.AsyncClient(base_url=api, timeout=30) as http:
        await Demo(http, secret).run()


def run_demo(api: str, secret: str) -> int:
    try:
        asyncio.run(_run(api, secret))
    except StepFailed as error:
        print(f"demo failed at {error}", file=sys.stderr)
        return 1
    print("demo complete: one loan from case to disbursement, its first repayments and its interest subsidy claim")
    return 0
