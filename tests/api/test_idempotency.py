"""Idempotency-Key: same key and body → the first response, acting once; different body → 422; per caller."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Role
from services.store.tables import AuditRecord, IdempotencyRecord, Organisation
from tests.conftest import TokenFor

BODY = {"id": "idem-bank", "kind": "bank", "name": "幂等测试银行", "branch": "深圳分行"}


async def _count(db: AsyncSession, model: type, **where: str) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return int((await db.execute(query)).scalar_one())


class TestIdempotencyKey:
    async def test_replay_returns_first_response_and_acts_once(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        token_for: TokenFor,
    ) -> None:
        headers = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow"), "Idempotency-Key": "k-1"}
        first = await client.post("/organisations", json=BODY, headers=headers)
        second = await client.post("/organisations", json=dict(reversed(BODY.items())), headers=headers)
        assert first.status_code == 201
        assert second.status_code == 201
        assert second.content == first.content
        assert second.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
        assert await _count(db, Organisation, id="idem-bank") == 1
        assert await _count(db, AuditRecord, chain="organisation:idem-bank") == 1

    async def test_without_key_a_retry_acts_again(
        self,
        client: httpx.AsyncClient,
        token_for: TokenFor,
    ) -> None:
        headers = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow")}
        assert (await client.post("/organisations", json=BODY, headers=headers)).status_code == 201
        again = await client.post("/organisations", json=BODY, headers=headers)
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"

    async def test_same_key_different_body(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        token_for: TokenFor,
    ) -> None:
        headers = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow"), "Idempotency-Key": "k-2"}
        assert (await client.post("/organisations", json=BODY, headers=headers)).status_code == 201
        other = await client.post("/organisations", json={**BODY, "id": "idem-bank-2"}, headers=headers)
        assert other.status_code == 422
        assert other.headers["content-type"] == "application/problem+json"
        assert other.json()["type"].endswith("/idempotency-key-reused")
        assert await _count(db, Organisation, id="idem-bank-2") == 0

    async def test_keys_are_scoped_per_caller(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        token_for: TokenFor,
    ) -> None:
        alice = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow", sub="alice"), "Idempotency-Key": "same"}
        bob = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow", sub="bob"), "Idempotency-Key": "same"}
        assert (await client.post("/organisations", json=BODY, headers=alice)).status_code == 201
        # Bob's request with the same key is his own: it acts (and meets the organisation Alice made).
        bobs = await client.post("/organisations", json={**BODY, "id": "bobs-bank"}, headers=bob)
        assert bobs.status_code == 201
        assert await _count(db, IdempotencyRecord, key="same") == 2

    async def test_rejected_request_is_replayed_too(
        self,
        client: httpx.AsyncClient,
        token_for: TokenFor,
    ) -> None:
        headers = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow"), "Idempotency-Key": "k-3"}
        bad = {**BODY, "kind": "shadow_bank"}
        first = await client.post("/organisations", json=bad, headers=headers)
        second = await client.post("/organisations", json=bad, headers=headers)
        assert first.status_code == second.status_code == 422
        assert second.headers["idempotent-replayed"] == "true"

    async def test_server_error_releases_the_key(
        self,
        app_and_client: tuple[FastAPI, httpx.AsyncClient],
        token_for: TokenFor,
    ) -> None:
        app, client = app_and_client
        calls = []

        async def flaky() -> dict[str, int]:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("database went away")
            return {"calls": len(calls)}

        app.add_api_route("/flaky", flaky, methods=["POST"])
        headers = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow"), "Idempotency-Key": "k-4"}
        assert (await client.post("/flaky", json={}, headers=headers)).status_code == 500
        retry = await client.post("/flaky", json={}, headers=headers)
        assert retry.status_code == 200
        assert retry.json() == {"calls": 2}
        replay = await client.post("/flaky", json={}, headers=headers)
        assert replay.json() == {"calls": 2}
        assert len(calls) == 2

    async def test_invalid_key(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        headers = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow"), "Idempotency-Key": "x" * 300}
        response = await client.post("/organisations", json=BODY, headers=headers)
        assert response.status_code == 422
        assert "Idempotency-Key" in response.json()["detail"]


class TestInFlight:
    async def test_retry_while_first_is_running(
        self,
        client: httpx.AsyncClient,
        db: AsyncSession,
        token_for: TokenFor,
    ) -> None:
        """A pending claim (the first request has not answered yet) makes a retry wait with 409."""
        from datetime import UTC, datetime

        from services.api.idempotency import request_digest
        from services.store.idempotency import claim_key

        authorization = token_for(Role.PLATFORM_ADMIN, "pledgeflow", sub="carol")
        body = b'{"id":"inflight-bank","kind":"bank","name":"\\u5728\\u9014\\u94f6\\u884c"}'
        now = datetime.now(UTC)
        await claim_key(
            db,
            caller="pledgeflow/carol",
            key="k-5",
            digest=request_digest("POST", "/organisations", b"", body),
            now=now,
            stale_before=now,
        )
        await db.commit()
        response = await client.post(
            "/organisations",
            content=body,
            headers={"Authorization": authorization, "Idempotency-Key": "k-5", "content-type": "application/json"},
        )
        assert response.status_code == 409
        assert response.json()["type"].endswith("/idempotency-key-in-flight")
        assert await _count(db, Organisation, id="inflight-bank") == 0
