"""Reference data: products (per bank), the LPR table, districts, enterprises and IP assets."""

from __future__ import annotations

import httpx
import pytest

from contracts.enums import District, Role
from tests.conftest import TokenFor

BANK = {"id": "ref-bank", "kind": "bank", "name": "参考银行", "branch": "深圳分行"}
PRODUCT = {
    "id": "ref-product",
    "bank_id": "ref-bank",
    "name": "知识产权质押贷",
    "pledge_rates": {"invention_patent": "0.40"},
    "min_term_months": 6,
    "max_term_months": 36,
    "min_spread_bp": 0,
    "max_spread_bp": 150,
    "repayment_modes": ["monthly_interest", "equal_instalment"],
}


@pytest.fixture
async def bank(client: httpx.AsyncClient, token_for: TokenFor) -> None:
    response = await client.post(
        "/organisations", json=BANK, headers={"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow")}
    )
    assert response.status_code == 201


@pytest.mark.usefixtures("bank")
class TestProducts:
    async def test_bank_registers_its_own(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        response = await client.post(
            "/products", json=PRODUCT, headers={"Authorization": token_for(Role.BANK_APPROVER, "ref-bank")}
        )
        assert response.status_code == 201, response.text
        listed = await client.get(
            "/products?bank=ref-bank", headers={"Authorization": token_for(Role.BANK_OFFICER, "ref-bank")}
        )
        assert [p["pledge_rates"] for p in listed.json()] == [{"invention_patent": "0.40"}]

    async def test_other_bank(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        response = await client.post(
            "/products", json=PRODUCT, headers={"Authorization": token_for(Role.BANK_APPROVER, "icbc-shenzhen")}
        )
        assert response.status_code == 403

    @pytest.mark.parametrize("change", [{"pledge_rates": {"trademark": "1.5"}}, {"min_term_months": 40}])
    async def test_invalid_terms(
        self, client: httpx.AsyncClient, token_for: TokenFor, change: dict[str, object]
    ) -> None:
        response = await client.post(
            "/products",
            json={**PRODUCT, **change},
            headers={"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow")},
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"

    async def test_bullet_needs_terms_of_a_year_or_less(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        long_bullet = {**PRODUCT, "min_term_months": 18, "repayment_modes": ["bullet", "monthly_interest"]}
        headers = {"Authorization": token_for(Role.BANK_APPROVER, "ref-bank")}
        response = await client.post("/products", json=long_bullet, headers=headers)
        assert response.status_code == 422
        assert "at most 12 months" in response.text
        allowed = {**long_bullet, "min_term_months": 6}  # bullet for the short terms, the other mode for the long
        assert (await client.post("/products", json=allowed, headers=headers)).status_code == 201


class TestLpr:
    async def test_record_and_list(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        admin = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow")}
        body = {"effective_date": "2030-01-20", "one_year_percent": "2.9000"}
        assert (await client.post("/lpr", json=body, headers=admin)).status_code == 201
        assert (await client.post("/lpr", json=body, headers=admin)).status_code == 409
        rates = (await client.get("/lpr", headers=admin)).json()
        assert rates[0] == {"effective_date": "2030-01-20", "one_year_percent": "2.9000", "five_year_percent": None}

    async def test_only_platform_admin(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        response = await client.post(
            "/lpr",
            json={"effective_date": "2030-02-20", "one_year_percent": "2.8"},
            headers={"Authorization": token_for(Role.BANK_OFFICER, "boc-shenzhen")},
        )
        assert response.status_code == 403


async def test_districts(client: httpx.AsyncClient) -> None:
    districts = (await client.get("/districts")).json()
    assert len(districts) == 11
    assert {"code": "guangming", "name": "光明区"} in districts


ENTERPRISE = {
    "id": "ent-ref",
    "name": "腾讯科技（深圳）有限公司",
    "credit_code": "91440300708461136T",
    "district": "nanshan",
    "size_class": "large",
    "legal_person": "马化腾",
    "contact_name": "张",
    "contact_phone": "0755-86013388",
}


class TestEnterprisesAndAssets:
    async def test_station_of_another_district(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        headers = {"Authorization": token_for(Role.STATION_SPECIALIST, "station-guangming", District.GUANGMING)}
        assert (await client.post("/enterprises", json=ENTERPRISE, headers=headers)).status_code == 403

    async def test_register_and_assets(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        headers = {"Authorization": token_for(Role.STATION_SPECIALIST, "station-nanshan", District.NANSHAN)}
        assert (await client.post("/enterprises", json=ENTERPRISE, headers=headers)).status_code == 201
        duplicate = await client.post("/enterprises", json={**ENTERPRISE, "id": "ent-ref-2"}, headers=headers)
        assert duplicate.status_code == 409
        assert "already registered" in duplicate.json()["detail"]
        for kind, number, normalised in (
            ("invention_patent", "ZL201710601862.3", "201710601862.3"),
            ("trademark", "第17528858号", "17528858"),
            ("software_copyright", "2019SR0322683", "2019SR0322683"),
        ):
            asset = {
                "id": f"ip-ref-{kind[:5]}",
                "kind": kind,
                "number": number,
                "title": "x",
                "owner_enterprise_id": "ent-ref",
                "expiry_date": "2037-07-10",
            }
            created = await client.post("/ip-assets", json=asset, headers=headers)
            assert created.status_code == 201, created.text
            assert created.json()["number"] == normalised
        wrong_kind = {
            "id": "ip-ref-x",
            "kind": "utility_model",
            "number": "201710601862.3",
            "title": "x",
            "owner_enterprise_id": "ent-ref",
            "expiry_date": "2037-07-10",
        }
        response = await client.post("/ip-assets", json=wrong_kind, headers=headers)
        assert response.status_code == 422
        assert "is not a 实用新型专利" in response.json()["detail"]
        own = await client.get("/ip-assets", headers={"Authorization": token_for(Role.ENTERPRISE, "ent-ref")})
        assert len(own.json()["items"]) == 3
