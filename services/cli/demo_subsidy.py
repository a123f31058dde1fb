"""`pledgeflow demo`, continued: the demo loan's interest subsidy (贴息), from a round through the review to the
public notice. The 光明 district's reviewer opens a round under the policy in force; the station specialist uploads
the materials pledgeflow does not hold and files the claim (pledgeflow links its own facts: the loan contract, the
disbursement voucher, the interest payments, the pledge registration); the reviewer accepts it and proposes the
amount, a second reviewer confirms it, and the round goes on public notice. The notice lasts working days, so the
demo stops there: tests/api/test_subsidy_rounds.py takes a round on through the funding plan and the payment."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from contracts.enums import District, Role
from services.cli.demo_caller import DemoCaller, StepFailed
from services.platform.auth import mint_token

# The materials of an interest claim pledgeflow does not hold itself: the filer uploads them.
UPLOADED = {
    "application_form": "申请书",
    "business_licence": "营业执照",
    "tax_certificate": "纳税证明",
    "pledge_contract": "质押合同",
}
SECOND_REVIEWER = "reviewer.he@guangming"


def placeholder_pdf(title: str) -> bytes:
    """A minimal PDF standing in for a scanned document (the demo has no scans)."""
    return f"%PDF-1.4\n% {title} (pledgeflow demo)\n%%EOF\n".encode()


async def claim_interest(demo: DemoCaller, loan_id: str, secret: str) -> None:
    today = demo.today
    window = await _filing_window(demo, today)
    if window is None:
        print("    no 光明 subsidy policy takes claims today: the subsidy part of the demo is skipped")
        return
    opened = await demo.call(
        "open a claim round", Role.DISTRICT_REVIEWER, "POST", "/subsidy-rounds",
        {"district": "guangming", "title": "演示申报批次", "filing_opens": today.isoformat(),
         "filing_closes": min(window, today + timedelta(days=30)).isoformat()},
    )  # fmt: skip
    print(f"16. open a claim round (申报批次)          by district_reviewer   → round {opened['id']}")
    documents = {code: await _upload(demo, name) for code, name in UPLOADED.items()}
    filed = await demo.call(
        "file the interest claim", Role.STATION_SPECIALIST, "POST", "/subsidy-claims",
        {"round_id": opened["id"], "loan_id": loan_id, "kind": "interest", "documents": documents},
    )  # fmt: skip
    _said(17, "file the interest claim (申报)", Role.STATION_SPECIALIST, filed)
    lines = "; ".join(f"{x['step']} ¥{x['amount']}" for x in filed["revisions"][0]["computation"]["lines"])
    print(f"    under {filed['policy_id']}: {lines}")
    base = f"/subsidy-claims/{filed['id']}"
    _said(
        18,
        "accept (受理)",
        Role.DISTRICT_REVIEWER,
        await demo.call("accept", Role.DISTRICT_REVIEWER, "POST", f"{base}/acceptance", {}),
    )
    proposed = await demo.call(
        "propose the amount", Role.DISTRICT_REVIEWER, "POST", f"{base}/review", {"amount": filed["computed"]}
    )
    _said(19, "propose the amount (审核)", Role.DISTRICT_REVIEWER, proposed)
    second = mint_token(secret, sub=SECOND_REVIEWER, role=Role.DISTRICT_REVIEWER, org_id="office-guangming",
                        district=District.GUANGMING)  # fmt: skip
    response = await demo.careful.post(
        f"{base}/review-confirmation", {"agree": True}, {"Authorization": f"Bearer {second}"}
    )
    if response.status_code >= 400:
        raise _failed(demo, "confirm the amount (four eyes)", response.text)
    _said(20, "confirm the amount (复核)", Role.DISTRICT_REVIEWER, response.json())
    notice = await demo.call(
        "publish the notice", Role.DISTRICT_REVIEWER, "POST", f"/subsidy-rounds/{opened['id']}/notice", {}
    )
    ends = next(e["ends_on"] for e in notice["entries"] if e["claim_id"] == filed["id"])
    print(f"21. publish the notice (公示)             by district_reviewer   → on notice until {ends}")
    print(f"    notice list: {demo.http.base_url}/subsidy-rounds/{opened['id']}/notice.xlsx")


def _said(n: int, step: str, role: Role, claim: dict[str, Any]) -> None:
    print(f"{n:>2}. {step:<34} by {role.value:<19} → {claim['status']} ({claim['status_label']})", flush=True)


def _failed(demo: DemoCaller, step: str, detail: str) -> Exception:
    return StepFailed(step, f"{detail[:300]} (at {demo.http.base_url})")


async def _filing_window(demo: DemoCaller, today: date) -> date | None:
    """The last filing day of the 光明 policy in force today, if it takes claims today."""
    versions = await demo.call(
        "read the policies", Role.DISTRICT_REVIEWER, "GET", "/subsidy-policies?district=guangming"
    )
    in_force = [v for v in versions if v["effective_from"] <= today.isoformat()]
    if not in_force:
        return None
    latest = max(in_force, key=lambda v: (v["effective_from"], v["year"], v["version"]))
    terms = (await demo.call("read the policy", Role.DISTRICT_REVIEWER, "GET", f"/subsidy-policies/{latest['id']}"))[
        "terms"
    ]
    opens, closes = date.fromisoformat(terms["filing_opens"]), date.fromisoformat(terms["filing_closes"])
    return closes if opens <= today <= closes else None


async def _upload(demo: DemoCaller, name: str) -> str:
    headers = {"Authorization": f"Bearer {demo.tokens[Role.STATION_SPECIALIST]}", "Idempotency-Key": uuid.uuid4().hex}
    response = await demo.http.post(
        "/documents",
        files={"file": (f"{name}.pdf", placeholder_pdf(name), "application/pdf")},
        data={"enterprise_id": "ent-guangming-demo"},
        headers=headers,
    )
    if response.status_code != 201:
        raise _failed(demo, f"upload {name}", response.text)
    return str(response.json()["id"])
