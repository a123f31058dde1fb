"""The console's production sign-in against an OpenID provider the test starts (tests/api/console/fake_oidc.py):
the code flow with PKCE goes through, and a wrong state, a replayed code, a stale flow or a token without a role in
pledgeflow each sign nobody in."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from services.api.app import create_app
from services.api.console.frame.oidc_routes import FLOW_COOKIE
from services.api.state import AppResources
from services.platform.settings import ApiSettings
from tests.api.console.fake_oidc import FakeProvider, fake_provider
from tests.conftest import start_client

CALLBACK = "http://testserver/console/sign-in/callback"
BANKER = {"sub": "li.si@boc.example", "pledgeflow_role": "bank_officer", "org_id": "boc-shenzhen"}


@pytest.fixture
async def provider() -> AsyncIterator[FakeProvider]:
    async with fake_provider() as running:
        running.person = dict(BANKER)
        yield running


@pytest.fixture
async def console(
    api_settings: ApiSettings, resources: AppResources, provider: FakeProvider
) -> AsyncIterator[httpx.AsyncClient]:
    """The API with sign-in at `provider` and no demo sign-in (as in production)."""
    settings = api_settings.model_copy(
        update={
            "console_oidc_issuer": provider.issuer,
            "console_oidc_client_id": provider.client_id,
            "console_oidc_redirect_url": CALLBACK,
            "console_dev_sign_in": False,
        }
    )
    ours = dataclasses.replace(resources, settings=settings)

    @asynccontextmanager
    async def factory(_: ApiSettings) -> AsyncIterator[AppResources]:
        yield ours

    app = create_app(settings, resources_factory=factory)
    async with app.router.lifespan_context(app), await start_client(app) as client:
        yield client


async def at_provider(console: httpx.AsyncClient, next_path: str = "/console") -> httpx.Response:
    """Start the sign-in and let the provider answer: its redirect back to our callback (not followed yet)."""
    started = await console.get(f"/console/sign-in/oidc?next={next_path}")
    assert started.status_code == 303, started.text
    authorize = started.headers["location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert "code_verifier" not in query  # the verifier never leaves the server
    async with httpx.AsyncClient() as browser:
        return await browser.get(authorize)


def callback_path(answer: httpx.Response) -> str:
    location = answer.headers["location"]
    assert location.startswith(CALLBACK)
    return location.removeprefix("http://testserver")


class TestSignIn:
    async def test_the_code_flow_signs_in_with_role_and_organisation_from_the_token(
        self, console: httpx.AsyncClient
    ) -> None:
        page = await console.get("/console/sign-in")
        assert 'id="sign-in-organisation"' in page.text
        assert "data-sub" not in page.text  # no demo users outside development
        answer = await at_provider(console, "/console/loans")
        done = await console.get(callback_path(answer))
        assert done.status_code == 303
        assert done.headers["location"] == "/console/loans"
        home = await console.get("/console")
        assert home.status_code == 200
        assert "li.si@boc.example" in home.text
        assert "银行客户经理" in home.text or "bank" in home.text

    async def test_a_wrong_state_is_refused(self, console: httpx.AsyncClient, provider: FakeProvider) -> None:
        answer = await at_provider(console)
        forged = callback_path(answer).replace("state=", "state=x")
        refused = await console.get(forged)
        assert refused.status_code == 400
        assert "does not belong to your sign-in" in refused.text
        assert provider.redeemed == []  # the code was never even sent
        assert (await console.get("/console")).status_code == 303

    async def test_a_replayed_callback_is_refused(self, console: httpx.AsyncClient, provider: FakeProvider) -> None:
        answer = await at_provider(console)
        flow = console.cookies.get(FLOW_COOKIE)
        assert flow is not None
        path = callback_path(answer)
        assert (await console.get(path)).status_code == 303
        console.cookies.clear()
        console.cookies.set(
            FLOW_COOKIE, flow, domain="testserver.local", path="/console/sign-in"
        )  # captured, sent again
        replayed = await console.get(path)
        assert replayed.status_code == 400
        assert "already used" in replayed.text
        assert len(provider.redeemed) == 1  # the code went to the provider once
        assert (await console.get("/console")).status_code == 303

    async def test_a_token_without_a_pledgeflow_role_signs_nobody_in(
        self, console: httpx.AsyncClient, provider: FakeProvider
    ) -> None:
        provider.person = {"sub": "someone@elsewhere"}
        answer = await at_provider(console)
        refused = await console.get(callback_path(answer))
        assert refused.status_code == 400
        assert "role and organisation" in refused.text
        assert (await console.get("/console")).status_code == 303

    async def test_the_demo_sign_in_is_closed(self, console: httpx.AsyncClient) -> None:
        await console.get("/console/sign-in")
        token = console.cookies.get("pledgeflow_sign_in") or ""  # the form's token, as if a demo form were forged
        posted = await console.post("/console/sign-in/dev", data={"sub": "officer.li@boc", "csrf_token": token})
        assert posted.status_code == 403
