"""The console's frame over HTTP (no browser): sign-in, sessions, CSRF, the language toggle and the vendored assets."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.loans import LoanUpdate
from services.api.console.frame.formatting import money
from services.api.console.frame.i18n import ACTIONS, FIELDS, WORDS
from services.api.console.router import STATIC
from services.store.tables import ConsoleSession

OFFICER = "officer.li@boc"


async def sign_in(client: httpx.AsyncClient, sub: str = OFFICER, next_path: str = "/console") -> httpx.Response:
    page = await client.get("/console/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"sub": sub, "csrf_token": token.group(1), "next": next_path}
    return await client.post("/console/sign-in/dev", data=form)


class TestSignIn:
    async def test_a_page_asks_for_sign_in_and_comes_back_after(self, client: httpx.AsyncClient) -> None:
        first = await client.get("/console/loans?stage=guidance")
        assert first.status_code == 303
        assert first.headers["location"] == "/console/sign-in?next=/console/loans%3Fstage%3Dguidance"
        signed = await sign_in(client, next_path="/console/loans?stage=guidance")
        assert signed.status_code == 303
        assert signed.headers["location"] == "/console/loans?stage=guidance"
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie.replace("samesite", "SameSite")
        home = await client.get("/console")
        assert home.status_code == 200
        assert OFFICER in home.text
        assert "Bearer" not in home.text  # no token in the page: the cookie is an opaque session id

    async def test_without_the_form_token_nobody_is_signed_in(self, client: httpx.AsyncClient) -> None:
        await client.get("/console/sign-in")
        refused = await client.post("/console/sign-in/dev", data={"sub": OFFICER, "csrf_token": "guess"})
        assert refused.status_code == 403
        assert (await client.get("/console")).status_code == 303

    async def test_a_next_elsewhere_is_not_followed(self, client: httpx.AsyncClient) -> None:
        signed = await sign_in(client, next_path="https://evil.example/")
        assert signed.headers["location"] == "/console"

    async def test_an_unknown_user_is_refused(self, client: httpx.AsyncClient) -> None:
        assert (await sign_in(client, sub="nobody@nowhere")).status_code == 403


class TestSession:
    async def test_sign_out_needs_the_form_token_and_ends_the_session(self, client: httpx.AsyncClient) -> None:
        await sign_in(client)
        assert (await client.post("/console/sign-out", data={})).status_code == 403
        assert (await client.get("/console")).status_code == 200  # the refused form changed nothing
        home = await client.get("/console")
        token = re.search(r'data-csrf="([^"]+)"', home.text)
        assert token is not None
        out = await client.post("/console/sign-out", data={"csrf_token": token.group(1)})
        assert out.status_code == 303
        assert (await client.get("/console")).status_code == 303

    async def test_an_expired_session_is_refused(
        self, client: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        await sign_in(client)
        assert (await client.get("/console")).status_code == 200
        async with sessions() as session, session.begin():
            past = datetime.now(UTC) - timedelta(seconds=1)
            await session.execute(update(ConsoleSession).values(expires_at=past))
        again = await client.get("/console")  # at once: every request reads the session
        assert again.status_code == 303
        assert again.headers["location"].endswith("&expired=1")

    async def test_a_partial_update_is_told_to_sign_in_by_htmx_header(self, client: httpx.AsyncClient) -> None:
        partial = await client.get("/console/loans", headers={"HX-Request": "true"})
        assert partial.status_code == 401
        assert partial.headers["HX-Redirect"].startswith("/console/sign-in")


class TestFrame:
    async def test_english_on_the_toggle(self, client: httpx.AsyncClient) -> None:
        await sign_in(client)
        assert "待办" in (await client.get("/console")).text
        toggled = await client.get("/console/language?to=en&next=/console")
        assert toggled.status_code == 303
        assert "Waiting for you" in (await client.get("/console")).text

    async def test_pages_forbid_foreign_scripts_and_framing(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/console/sign-in")
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy

    def test_the_consoles_words_hold_no_markup(self) -> None:
        """They are put in pages unescaped (services/api/console/frame/render.py)."""
        for table in (WORDS, ACTIONS, FIELDS):
            for zh, en in table.values():
                assert not set(zh + en) & set("<>&\"'"), (zh, en)

    def test_every_step_has_a_label_in_both_languages(self) -> None:
        assert set(ACTIONS) == {u.value for u in LoanUpdate if u is not LoanUpdate.OPENED}
        assert all(zh and en for zh, en in WORDS.values())

    def test_money_to_the_fen(self) -> None:
        assert money("1234567.891") == "¥1,234,567.89"
        assert money("0.005") == "¥0.01"
        assert money(None) == "—"


class TestProblemsAsPages:
    """A console page that fails answers a page with the API's status and message, never problem+json."""

    async def test_a_spoilt_cursor_in_the_url_is_a_page_saying_so(self, client: httpx.AsyncClient) -> None:
        await sign_in(client)
        page = await client.get("/console/loans?cursor=not-a-cursor")
        assert page.status_code == 422
        assert page.headers["content-type"].startswith("text/html")
        assert "请求未被接受" in page.text
        api = await client.get("/loans?cursor=not-a-cursor", headers={"Authorization": "Bearer x"})
        assert api.headers["content-type"] == "application/problem+json"  # the API itself is unchanged

    async def test_a_bad_filter_is_a_page_and_an_unknown_path_is_not_found(self, client: httpx.AsyncClient) -> None:
        await sign_in(client)
        bad = await client.get("/console/loans?show=everything")
        assert (bad.status_code, bad.headers["content-type"][:9]) == (422, "text/html")
        assert "show" in bad.text  # the API's own words name the field
        missing = await client.get("/console/no-such-page")
        assert (missing.status_code, missing.headers["content-type"][:9]) == (404, "text/html")
        assert "未找到" in missing.text

    async def test_a_partial_update_gets_the_message_alone(self, client: httpx.AsyncClient) -> None:
        await sign_in(client)
        part = await client.get("/console/loans?sort=sideways", headers={"HX-Request": "true"})
        assert part.status_code == 422
        assert part.text.lstrip().startswith('<div class="problem" role="alert">')


class TestAssets:
    def test_each_vendored_file_matches_its_pinned_checksum(self) -> None:
        manifest = json.loads((STATIC / "vendor" / "vendor.json").read_text())
        for entry in manifest["files"]:
            body = (STATIC / "vendor" / entry["file"]).read_bytes()
            assert hashlib.sha256(body).hexdigest() == entry["sha256"], entry["file"]
            assert (STATIC / "vendor" / entry["licence_file"]).exists()
        vendored = {p.name for p in (STATIC / "vendor").glob("*.js")}
        assert vendored == {entry["file"] for entry in manifest["files"]}

    def test_no_page_loads_anything_from_elsewhere(self) -> None:
        console = STATIC.parent
        for template in console.glob("*/templates/**/*.html"):
            assert not re.search(r"(src|href)=\"(https?:)?//", template.read_text()), template

    async def test_assets_are_served_from_the_package(self, client: httpx.AsyncClient) -> None:
        served = await client.get("/console/static/vendor/htmx-2.0.11.min.js")
        assert served.status_code == 200
        assert served.content == (STATIC / "vendor" / "htmx-2.0.11.min.js").read_bytes()
