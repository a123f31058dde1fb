"""Webhooks go to public https addresses only: refused at registration and again at delivery; no redirects."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError

from contracts.enums import OrganisationKind, Role
from contracts.notifications import DeliverInput
from services.platform.egress import EgressPolicy, UnsafeDestination, is_public
from services.store.tables import Organisation, WebhookDelivery, WebhookEndpoint
from services.workflows.activities.notifications import NotificationActivities
from tests.conftest import TokenFor

ORG = {"id": "egress-bank", "kind": "bank", "name": "出站测试银行"}


class Counter(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []
    redirect_to: ClassVar[str | None] = None

    def do_POST(self) -> None:
        Counter.hits.append(f"{self.path} Host={self.headers['Host']}")
        self.rfile.read(int(self.headers["Content-Length"]))
        if Counter.redirect_to is not None and self.path != "/landed":
            self.send_response(302)
            self.send_header("Location", Counter.redirect_to)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def local_receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Counter)
    Counter.hits, Counter.redirect_to = [], None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class TestRegistration:
    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:9/hook",
            "http://localhost/hook",
            "https://10.1.2.3/hook",
            "https://192.168.0.10/hook",
            "http://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[::ffff:10.0.0.1]/hook",
            "https://user:pass@93.184.216.34/hook",
            "ftp://93.184.216.34/hook",
        ],
    )
    async def test_non_public_or_odd_urls_are_refused(
        self,
        client: httpx.AsyncClient,
        token_for: TokenFor,
        url: str,
    ) -> None:
        admin = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow")}
        assert (await client.post("/organisations", json=ORG, headers=admin)).status_code == 201
        response = await client.put("/organisations/egress-bank/webhook", json={"url": url}, headers=admin)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"

    async def test_a_public_address_is_accepted(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        admin = {"Authorization": token_for(Role.PLATFORM_ADMIN, "pledgeflow")}
        assert (await client.post("/organisations", json=ORG, headers=admin)).status_code == 201
        response = await client.put(
            "/organisations/egress-bank/webhook", json={"url": "https://93.184.216.34/hook"}, headers=admin
        )
        assert response.status_code == 200, response.text


class TestPolicy:
    def test_https_is_required_outside_development(self) -> None:
        with pytest.raises(UnsafeDestination, match="https"):
            EgressPolicy(allow_http=False).check_shape("http://93.184.216.34/hook")
        EgressPolicy(allow_http=True).check_shape("http://93.184.216.34/hook")

    @pytest.mark.parametrize(
        ("address", "public"),
        [
            ("93.184.216.34", True),
            ("10.0.0.1", False),
            ("100.64.0.1", False),
            ("169.254.169.254", False),
            ("224.0.0.1", False),
            ("::ffff:192.168.1.1", False),
            ("2606:4700::1111", True),
        ],
    )
    def test_public_addresses(self, address: str, public: bool) -> None:
        assert is_public(address) is public


async def _delivery(sessions: async_sessionmaker[AsyncSession], url: str) -> int:
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        session.add(Organisation(id="egress-bank", kind=OrganisationKind.BANK, name="出站测试银行", created_at=now))
        await session.flush()
        session.add(WebhookEndpoint(org_id="egress-bank", url=url, secret="s" * 32, created_at=now, updated_at=now))
        delivery = WebhookDelivery(
            event_key="k",
            org_id="egress-bank",
            loan_id="l",
            kind="overdue",
            url=url,
            body="{}",
            status="queued",
            created_at=now,
        )
        session.add(delivery)
        await session.flush()
        assert delivery.id is not None
        return delivery.id


async def _last_error(sessions: async_sessionmaker[AsyncSession], delivery_id: int) -> str | None:
    async with sessions() as session:
        delivery = await session.get(WebhookDelivery, delivery_id, populate_existing=True)
        assert delivery is not None
        return delivery.last_error


class TestDelivery:
    async def test_a_private_address_is_refused_at_delivery_too(
        self, sessions: async_sessionmaker[AsyncSession], local_receiver: str
    ) -> None:
        delivery_id = await _delivery(sessions, f"{local_receiver}/hook")
        development = EgressPolicy(allow_http=True)  # plain http allowed: the address alone is refused
        with pytest.raises(ApplicationError):
            await NotificationActivities(sessions, egress=development).deliver_webhook(
                DeliverInput(delivery_id=delivery_id)
            )
        assert (await _last_error(sessions, delivery_id) or "").startswith("refused: the host 127.0.0.1")
        assert Counter.hits == []  # nothing was sent

    async def test_the_checked_address_is_called_and_redirects_are_not_followed(
        self, sessions: async_sessionmaker[AsyncSession], local_receiver: str
    ) -> None:
        Counter.redirect_to = f"{local_receiver}/landed"
        delivery_id = await _delivery(sessions, f"{local_receiver.replace('127.0.0.1', 'localhost')}/hook")
        activities = NotificationActivities(sessions, egress=EgressPolicy(allow_http=True, allow_private=True))
        with pytest.raises(ApplicationError):
            await activities.deliver_webhook(DeliverInput(delivery_id=delivery_id))
        assert await _last_error(sessions, delivery_id) == "the receiver answered 302"
        port = local_receiver.rsplit(":", 1)[1]
        assert Counter.hits == [f"/hook Host=localhost:{port}"]  # the name kept as Host; /landed never called
