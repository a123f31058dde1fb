"""The loans end-to-end stack (API + worker on the dev server + PostgreSQL) and step helpers, shared by modules."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col
from temporalio.client import Client

from contracts.enums import District, Role
from contracts.queues import LOANS_TASK_QUEUE
from services.api.app import create_app
from services.api.state import AppResources
from services.domain.calendar import shanghai_date
from services.platform.auth import TokenVerifier, mint_token
from services.platform.embedded import EmbeddedPostgres
from services.platform.settings import ApiSettings, WorkerSettings
from services.store.db import create_engine, session_factory
from services.store.seed import load_demo_data
from services.store.tables import AuditRecord, Loan
from services.workflows.worker import build_worker
from tests.api.bodies import PROPOSAL, application, valuation
from tests.api.bodies import QUALIFIED as QUALIFIED  # re-exported: the e2e tests take it with the stack
from tests.conftest import TEST_JWT_SECRET, fresh_database, start_client

SPECIALIST = (Role.STATION_SPECIALIST, "station-guangming", District.GUANGMING)
OFFICER = (Role.BANK_OFFICER, "boc-shenzhen", None)
APPROVER = (Role.BANK_APPROVER, "boc-shenzhen", None)
OTHER_OFFICER = (Role.BANK_OFFICER, "icbc-shenzhen", None)
GUARANTOR = (Role.GUARANTOR, "sz-guarantee", None)
INSURER = (Role.INSURER, "demo-insurer", None)
REVIEWER = (Role.DISTRICT_REVIEWER, "office-guangming", District.GUANGMING)
ENTERPRISE = (Role.ENTERPRISE, "ent-guangming-demo", None)
VALUER = (Role.VALUER, "demo-appraisal", None)
ADMIN = (Role.PLATFORM_ADMIN, "pledgeflow", None)


@dataclass
class Stack:
    client: httpx.AsyncClient
    sessions: Any
    app: Any  # the ASGI app (the console's browser tests serve it over HTTP)

    def headers(
        self, who: tuple[Role, str, District | None], sub: str | None = None, key: str | None = None
    ) -> dict[str, str]:
        role, org, district = who
        token = mint_token(TEST_JWT_SECRET, sub=sub or f"{role.value}@{org}", role=role, org_id=org, district=district)
        headers = {"Authorization": f"Bearer {token}"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    async def post(
        self,
        path: str,
        who: tuple[Role, str, District | None],
        body: dict[str, Any],
        *,
        sub: str | None = None,
        key: str | None = None,
        expect: int = 200,
    ) -> dict[str, Any]:
        response = await self.client.post(path, json=body, headers=self.headers(who, sub, key))
        assert response.status_code == expect, response.text
        result: dict[str, Any] = response.json()
        return result

    async def get(self, path: str, who: tuple[Role, str, District | None], expect: int = 200) -> Any:
        response = await self.client.get(path, headers=self.headers(who))
        assert response.status_code == expect, response.text
        return response.json()

    async def state(self, loan_id: str) -> dict[str, Any]:
        """The workflow's state as its read model stores it (no party sees it over the API)."""
        async with self.sessions() as session:
            loan = await session.get(Loan, loan_id)
            assert loan is not None, loan_id
            return dict(loan.state)

    async def count(self, model: type, loan_id: str) -> int:
        column = model.chain if model is AuditRecord else model.loan_id  # type: ignore[attr-defined]
        value = f"loan:{loan_id}" if model is AuditRecord else loan_id
        async with self.sessions() as session:
            return int((await session.execute(select(func.count()).where(col(column) == value))).scalar_one())


@asynccontextmanager
async def running_stack(
    postgres: EmbeddedPostgres,
    temporal_client: Client,
    *,
    task_queue: str = LOANS_TASK_QUEUE,
    settings_changed: dict[str, Any] | None = None,
) -> AsyncIterator[Stack]:
    """The API and a worker on `temporal_client`, over a fresh database with the demo data (the API's settings
    `settings_changed` where a test says so)."""
    url = await fresh_database(postgres)
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await load_demo_data(session)
    # The test receiver of webhooks listens on this machine.
    settings = ApiSettings(
        database_url=url,
        temporal_address="unused:0",
        jwt_secret=TEST_JWT_SECRET,
        webhook_allow_private_addresses=True,
        task_queue=task_queue,
        documents_dir=Path(tempfile.mkdtemp(prefix="pledgeflow-documents-")),
        **(settings_changed or {}),
    )
    resources = AppResources(
        settings=settings,
        engine=engine,
        sessions=sessions,
        temporal=temporal_client,
        verifier=TokenVerifier.from_settings(settings),
    )

    @asynccontextmanager
    async def factory(_: ApiSettings) -> AsyncIterator[AppResources]:
        yield resources

    app = create_app(settings, resources_factory=factory)
    worker_settings = WorkerSettings(webhook_allow_private_addresses=True, task_queue=task_queue)
    async with (
        build_worker(temporal_client, sessions, settings=worker_settings),
        app.router.lifespan_context(app),
        await start_client(app) as client,
    ):
        yield Stack(client, sessions, app)
    await engine.dispose()


@pytest.fixture(scope="module")
async def stack(postgres: EmbeddedPostgres, temporal_client: Client) -> AsyncIterator[Stack]:
    async with running_stack(postgres, temporal_client) as stack:
        yield stack


def today() -> str:
    return shanghai_date(datetime.now(UTC)).isoformat()


async def open_case(stack: Stack) -> str:
    loan = await stack.post(
        "/loans", SPECIALIST, {"enterprise_id": "ent-guangming-demo", "note": "白名单企业"}, expect=201
    )
    assert loan["stage"] == "guidance"
    return str(loan["id"])


async def to_approval(stack: Stack, loan_id: str, asset: str) -> None:
    base = f"/loans/{loan_id}"
    await stack.post(
        f"{base}/visits",
        SPECIALIST,
        {"visited_on": today(), "people": ["周光明"], "place": "光明区", "outcome": "有融资需求"},
    )
    await stack.post(
        f"{base}/qualification-review",
        SPECIALIST,
        QUALIFIED,
    )
    await stack.post(f"{base}/application", SPECIALIST, application(asset))
    await stack.post(f"{base}/valuations", VALUER, valuation(asset, f"深评[{loan_id}]"))
    loan = await stack.post(f"{base}/valuation-acceptance", OFFICER, {})
    assert loan["stage"] == "approval"
    assert loan["max_loan"] is not None


async def to_registration(stack: Stack, loan_id: str, asset: str) -> None:
    await to_approval(stack, loan_id, asset)
    base = f"/loans/{loan_id}"
    await stack.post(f"{base}/proposal", OFFICER, PROPOSAL)
    loan = await stack.post(f"{base}/approval-decision", APPROVER, {"approve": True, "reason": "同意"})
    assert loan["stage"] == "registration"


async def disbursed(stack: Stack, asset: str, loan_id: str | None = None) -> str:
    """A case (a new one, or `loan_id` in guidance) taken to disbursement with `asset` pledged."""
    loan_id = loan_id or await open_case(stack)
    await to_registration(stack, loan_id, asset)
    base = f"/loans/{loan_id}"
    await stack.post(f"{base}/sign-offs", GUARANTOR, {"contract_number": "深担保字0001", "fee": "30000.00"})
    await stack.post(f"{base}/registrations", OFFICER, {"asset_id": asset, "channel": "online", "filed_on": today()})
    await stack.post(
        f"{base}/registration-outcomes",
        OFFICER,
        {"asset_id": asset, "registered": True, "registration_number": "Y1", "effective_date": today()},
    )
    loan = await stack.post(
        f"{base}/disbursement",
        OFFICER,
        {"contract_number": "中银借字001", "amount": "3000000.00", "disbursed_on": today(), "voucher": "V001"},
    )
    assert loan["stage"] == "servicing"
    return loan_id
