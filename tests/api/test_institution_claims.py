"""The two kinds of support not tied to one loan, end to end through HTTP: a bank's claim for the IP pledge loans it
made in the district (银行金融机构资助: filed by the bank, its loans supplied and counted by pledgeflow), and an
enterprise's securitisation claim (知识产权证券化资助: every material uploaded, the amount as the vouchers show) —
each through the same steps as a loan's claims, seen only by those entitled."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

import pytest

from contracts.enums import District, Role
from tests.api.loan_stack import ENTERPRISE, GUARANTOR, OFFICER, OTHER_OFFICER, REVIEWER, SPECIALIST, Stack, today
from tests.api.test_subsidy_claims import PDF, prepare

pytestmark = pytest.mark.e2e

NANSHAN_REVIEWER = (Role.DISTRICT_REVIEWER, "office-nanshan", District.NANSHAN)
PINGSHAN_ENTERPRISE = (Role.ENTERPRISE, "ent-byd", None)
BANK_UPLOADED = ("application_form", "product_report")
SECURITISATION_UPLOADED = (
    "project_application",
    "business_licence",
    "credit_report",
    "tax_certificate_last_year",
    "issuer_contracts",
    "loan_receipt",
    "payment_vouchers",
    "participation_proof",
    "settlement_proof",
)


async def upload(stack: Stack, who: tuple[Role, str, District | None], code: str, for_: str | None = None) -> str:
    response = await stack.client.post(
        "/documents",
        files={"file": (f"{code}.pdf", PDF + code.encode(), "application/pdf")},
        data={"enterprise_id": for_} if for_ else {},
        headers=stack.headers(who),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture(scope="module")
async def setting(stack: Stack) -> dict[str, Any]:
    """光明's round open, a loan of the bank (boc-shenzhen) disbursed in 光明 today."""
    return await prepare(stack, asset="ip-gm-um-1")


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), ROUND_DOWN)


class TestTheBanksOwnClaim:
    async def test_filed_by_the_bank_for_its_loans_and_approved_by_two_reviewers(
        self, stack: Stack, setting: dict[str, Any]
    ) -> None:
        documents = {code: await upload(stack, OFFICER, code) for code in BANK_UPLOADED}
        body = {"round_id": setting["round"], "kind": "bank_institution", "documents": documents}
        filed = await stack.post("/subsidy-claims", OFFICER, body, expect=201)
        assert (filed["loan_id"], filed["enterprise_id"], filed["status"]) == (None, None, "filed")
        assert filed["enterprise_name"] == "中国银行深圳市分行"  # the claimant, named on the notice
        supplied = {m["code"]: m["reference"] for m in filed["revisions"][0]["materials"] if m["supplied"]}
        assert set(supplied) == {"registration_list", "disbursement_vouchers"}
        assert setting["loan"] in supplied["registration_list"]
        lines = {line["step"]: Decimal(line["amount"]) for line in filed["revisions"][0]["computation"]["lines"]}
        disbursed = Decimal((await stack.state(setting["loan"]))["disbursement"]["amount"])
        assert lines["evidence"] >= disbursed  # every loan of the bank in 光明 this year, this one among them
        assert Decimal(filed["computed"]) == fen(lines["evidence"] / 100)  # 1 % of the principal, down to the fen

        again = await stack.client.post("/subsidy-claims", json=body, headers=stack.headers(OFFICER))
        assert again.status_code == 409  # the bank's year so far is claimed once
        base = f"/subsidy-claims/{filed['id']}"
        application = documents["application_form"]
        assert (await stack.client.get(f"/documents/{application}", headers=stack.headers(REVIEWER))).status_code == 200
        for who in (ENTERPRISE, SPECIALIST, OTHER_OFFICER, NANSHAN_REVIEWER, GUARANTOR):
            assert (await stack.client.get(base, headers=stack.headers(who))).status_code == 404
            refused = await stack.client.get(f"/documents/{application}", headers=stack.headers(who))
            assert refused.status_code == 404

        returned = await stack.post(
            f"{base}/return", REVIEWER, {"reason": "产品报告缺少成效数据", "items": ["product_report"]}
        )
        assert returned["waiting_on"] == ["bank_officer"]
        assert returned["actions"] == []
        assert (await stack.get(base, OFFICER))["actions"] == ["correct_claim"]
        not_theirs = await stack.client.post(f"{base}/correction", json={}, headers=stack.headers(OTHER_OFFICER))
        assert not_theirs.status_code == 404
        documents["product_report"] = await upload(stack, OFFICER, "product_report_2")
        corrected = await stack.post(f"{base}/correction", OFFICER, {"documents": documents})
        assert (corrected["status"], len(corrected["revisions"])) == ("filed", 2)

        await stack.post(f"{base}/acceptance", REVIEWER, {})
        await stack.post(f"{base}/review", REVIEWER, {"amount": corrected["computed"]})
        approved = await stack.post(
            f"{base}/review-confirmation", REVIEWER, {"agree": True}, sub="reviewer.b@guangming"
        )
        assert (approved["status"], approved["approved"]) == ("approved", corrected["computed"])

    async def test_who_may_file_it_and_how(self, stack: Stack, setting: dict[str, Any]) -> None:
        body = {"round_id": setting["round"], "kind": "bank_institution", "documents": {}}
        for who in (ENTERPRISE, SPECIALIST, REVIEWER):
            refused = await stack.client.post("/subsidy-claims", json=body, headers=stack.headers(who))
            assert refused.status_code == 403, refused.text
            assert "bank" in refused.json()["detail"]
        with_a_loan = await stack.client.post(
            "/subsidy-claims", json=body | {"loan_id": setting["loan"]}, headers=stack.headers(OTHER_OFFICER)
        )
        assert with_a_loan.status_code == 422
        assert "loan_id" in with_a_loan.json()["detail"]
        a_bank_for_interest = await stack.client.post(
            "/subsidy-claims",
            json={"round_id": setting["round"], "kind": "interest", "loan_id": setting["loan"]},
            headers=stack.headers(OFFICER),
        )
        assert a_bank_for_interest.status_code == 403
        nothing_lent = await stack.client.post(
            "/subsidy-claims",
            json=body | {"documents": {code: await upload(stack, OTHER_OFFICER, code) for code in BANK_UPLOADED}},
            headers=stack.headers(OTHER_OFFICER),
        )
        assert nothing_lent.status_code == 422  # ICBC made no loan in 光明: nothing to supply the list from
        assert "registration_list" in nothing_lent.json()["detail"]


class TestSecuritisation:
    async def test_filed_by_the_specialist_with_every_voucher_and_reviewed_lower(
        self, stack: Stack, setting: dict[str, Any]
    ) -> None:
        documents = {
            code: await upload(stack, SPECIALIST, code, "ent-guangming-demo") for code in SECURITISATION_UPLOADED
        }
        body = {
            "round_id": setting["round"],
            "kind": "securitisation",
            "enterprise_id": "ent-guangming-demo",
            "claimed": "120000.00",
            "documents": documents,
        }
        missing = await stack.client.post(
            "/subsidy-claims",
            json=body | {"documents": {k: v for k, v in documents.items() if k != "settlement_proof"}},
            headers=stack.headers(SPECIALIST),
        )
        assert missing.status_code == 422
        assert "贷款结清证明 (settlement_proof)" in missing.json()["detail"]
        unstated = await stack.client.post(
            "/subsidy-claims", json={k: v for k, v in body.items() if k != "claimed"}, headers=stack.headers(SPECIALIST)
        )
        assert unstated.status_code == 422
        assert "vouchers" in unstated.json()["detail"]

        filed = await stack.post("/subsidy-claims", SPECIALIST, body, expect=201)
        assert (filed["loan_id"], filed["enterprise_id"]) == (None, "ent-guangming-demo")
        assert Decimal(filed["computed"]) == Decimal("60000.00")  # 50 % of what the vouchers show
        assert [m["supplied"] for m in filed["revisions"][0]["materials"]] == [None] * len(SECURITISATION_UPLOADED)
        assert filed["period_start"] == f"{today()[:4]}-01-01"
        base = f"/subsidy-claims/{filed['id']}"
        for who in (ENTERPRISE, SPECIALIST, REVIEWER):
            assert (await stack.get(base, who))["id"] == filed["id"]
        for who in (OFFICER, NANSHAN_REVIEWER, PINGSHAN_ENTERPRISE):
            assert (await stack.client.get(base, headers=stack.headers(who))).status_code == 404

        await stack.post(f"{base}/acceptance", REVIEWER, {})
        proposed = await stack.post(f"{base}/review", REVIEWER, {"amount": "45000.00", "reason": "发票金额核减为9万元"})
        assert proposed["status"] == "proposed"
        approved = await stack.post(
            f"{base}/review-confirmation", REVIEWER, {"agree": True}, sub="reviewer.b@guangming"
        )
        assert Decimal(approved["approved"]) == Decimal("45000.00")

    async def test_only_the_districts_enterprises_and_their_own(self, stack: Stack, setting: dict[str, Any]) -> None:
        body = {"round_id": setting["round"], "kind": "securitisation", "claimed": "1000.00", "documents": {}}
        elsewhere = await stack.client.post(
            "/subsidy-claims", json=body | {"enterprise_id": "ent-byd"}, headers=stack.headers(SPECIALIST)
        )
        assert elsewhere.status_code == 404  # not an enterprise of the specialist's district
        registered_elsewhere = await stack.client.post(
            "/subsidy-claims", json=body, headers=stack.headers(PINGSHAN_ENTERPRISE)
        )
        assert registered_elsewhere.status_code == 409
        assert "registered in pingshan" in registered_elsewhere.json()["detail"]
        unnamed = await stack.client.post("/subsidy-claims", json=body, headers=stack.headers(SPECIALIST))
        assert unnamed.status_code == 422
        assert "enterprise_id" in unnamed.json()["detail"]
