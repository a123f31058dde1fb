"""Who is signed in to the console, and the checks every form goes through.

The browser holds only a random token in an HttpOnly, SameSite=Lax cookie (Secure in production); the session
itself, with the person's role and organisation and the CSRF token of their forms, is a row in PostgreSQL
(services/store/console_sessions), so signing out or expiry ends it on the server. No bearer token ever reaches
the page. Every POST carries the session's CSRF token (a form field, or the `X-CSRF-Token` header htmx sends),
compared in constant time; without it the request is refused and nothing happens."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.datastructures import FormData

from contracts.enums import District, Role
from services.api.console.frame.render import Viewer, language
from services.api.dependencies import RequestContext, ResourcesDep, SessionDep
from services.api.state import AppResources
from services.platform.auth import Principal
from services.store import console_sessions

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def cookie_name(secure: bool) -> str:
    # `__Host-` binds the cookie to this host and path /, over HTTPS only (browsers refuse it otherwise).
    return "__Host-pledgeflow" if secure else "pledgeflow_session"


class SignInRequired(Exception):
    """No live session: the page sends the person to sign in (and back to `next` afterwards)."""

    def __init__(self, next_path: str, expired: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.expired = expired


class CsrfRefused(Exception):
    """A form without this session's CSRF token: refused, nothing done."""


def sign_in_location(next_path: str, expired: bool = False) -> str:
    return f"/console/sign-in?next={quote(next_path, safe='/')}" + ("&expired=1" if expired else "")


async def current_viewer(request: Request, resources: ResourcesDep, session: SessionDep) -> Viewer:
    """The signed-in person, read from the database on every request (a sign-out or a revoked session ends at
    once, on every replica), in the request's own transaction: the page's queries share its connection."""
    token = request.cookies.get(cookie_name(resources.settings.cookie_secure))
    if not token:
        raise SignInRequired(_here(request), expired=False)
    row = await console_sessions.find_session(session, token, datetime.now(UTC))
    if row is None:
        raise SignInRequired(_here(request), expired=True)
    district = District(row.district) if row.district else None
    principal = Principal(sub=row.sub, role=Role(row.role), org_id=row.org_id, district=district)
    csrf = row.csrf
    viewer = Viewer(principal=principal, csrf=csrf, lang=language(request))
    if request.method == "POST":
        await _check_csrf(request, viewer.csrf)
    return viewer


def _here(request: Request) -> str:
    """The page asked for, to come back to after signing in."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused()


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def start_session(resources: ResourcesDep, principal: Principal) -> tuple[str, timedelta]:
    """Open a session for `principal`; the cookie's token and how long it lasts."""
    ttl = timedelta(hours=resources.settings.console_session_hours)
    async with resources.sessions() as session, session.begin():
        opened = await console_sessions.open_session(
            session,
            sub=principal.sub,
            role=principal.role.value,
            org_id=principal.org_id,
            district=principal.district.value if principal.district else None,
            now=datetime.now(UTC),
            ttl=ttl,
        )
    return opened.token, ttl


def request_context(request: Request, principal: Principal, resources: AppResources, key: str | None) -> RequestContext:
    """What the API's services need of a console request: who acts, the request and trace ids, and the form's
    Idempotency-Key (as the API's `get_request_context` gives them for a JSON request)."""
    state = request.scope.get("state", {})
    return RequestContext(
        principal=principal,
        request_id=state.get("request_id"),
        trace_id=state.get("trace_id"),
        idempotency_key=key,
        step_timeout=resources.settings.step_timeout_seconds,
    )


async def posted(request: Request, principal: Principal, resources: AppResources) -> tuple[FormData, RequestContext]:
    """A console form's fields and the request's context, its Idempotency-Key taken from the form's
    `idempotency_key` field (a key per rendered form, so that a form sent twice acts once)."""
    form = await request.form()
    key = form.get("idempotency_key")
    return form, request_context(request, principal, resources, key[:64] if isinstance(key, str) and key else None)
