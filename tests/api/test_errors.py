"""Every error is application/problem+json (RFC 9457): 404, 405, 422 and unexpected 500s alike."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from contracts.enums import Role
from tests.conftest import TokenFor

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    return body


class TestNotFound:
    async def test_unknown_route(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/no/such/thing"), 404)
        assert body["instance"] == "/no/such/thing"

    async def test_unknown_organisation(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        response = await client.get(
            "/organisations/nope", headers={"Authorization": token_for(Role.BANK_OFFICER, "boc-shenzhen")}
        )
        body = assert_problem(response, 404)
        assert body["detail"] == "There is no organisation with id 'nope'."
        assert str(body["type"]).endswith("/organisation-not-found")


class TestMethodNotAllowed:
    async def test_delete_healthz(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.delete("/healthz"), 405)


class TestValidation:
    async def test_unknown_enum_and_missing_field(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        response = await client.post(
            "/organisations",
            json={"id": "x-bank", "kind": "shadow_bank"},
            headers={"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow")},
        )
        body = assert_problem(response, 422)
        fields = {e["field"]: e["message"] for e in body["errors"]}  # type: ignore[attr-defined]
        assert "body.kind" in fields
        assert "'bank'" in fields["body.kind"]
        assert fields["body.name"] == "this field is required"

    async def test_malformed_json(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        response = await client.post(
            "/organisations",
            content=b"{not json",
            headers={"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow"), "content-type": "application/json"},
        )
        assert_problem(response, 422)


class TestUnexpectedError:
    async def test_500_hides_internals(self, app_and_client: tuple[FastAPI, httpx.AsyncClient]) -> None:
        app, client = app_and_client

        async def boom() -> None:
            raise RuntimeError('duplicate key: INSERT INTO "organisation" (id) VALUES (secret)')

        app.add_api_route("/boom", boom)
        response = await client.get("/boom")
        body = assert_problem(response, 500)
        text = response.text
        for leak in ("INSERT", "Traceback", "RuntimeError", "secret", "organisation"):
            assert leak not in text
        assert "quote the request id" in str(body["detail"])
