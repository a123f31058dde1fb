"""The console's sign-in at the organisation's OpenID Connect provider (production): `/console/sign-in/oidc` starts
it, `/console/sign-in/callback` finishes it (services/api/console/frame/oidc for the protocol).

The browser carries only a random flow token (an HttpOnly cookie, SameSite=Lax so that it comes back with the
provider's redirect); state, nonce and PKCE verifier stay in PostgreSQL and are used once: a callback with another
state, a code sent twice, or a callback after ten minutes is refused and signs nobody in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.api.console.frame import oidc
from services.api.console.frame.render import Viewer, language, render
from services.api.console.frame.session import cookie_name, start_session
from services.api.dependencies import ResourcesDep
from services.store import console_sessions

router = APIRouter(prefix="/console/sign-in", include_in_schema=False)
log = structlog.get_logger()

FLOW_COOKIE = "pledgeflow_sign_in_flow"
FLOW_TTL = timedelta(minutes=10)


def safe_next(next_path: str | None) -> str:
    """Only a path of this console (never another site: an open redirect)."""
    if next_path and next_path.startswith("/console") and not next_path.startswith("//"):
        return next_path
    return "/console"


def refused(request: Request, reason: str, status: int = 400) -> HTMLResponse:
    viewer = Viewer(principal=None, csrf="", lang=language(request))
    return render(request, "frame/sign_in_refused.html", viewer, status=status, reason=reason)


@router.get("/oidc")
async def start(
    request: Request,
    resources: ResourcesDep,
    next_path: Annotated[str | None, Query(alias="next", max_length=500)] = None,
) -> Response:
    settings = resources.settings
    if not oidc.configured(settings):
        return refused(request, "sign-in at your organisation is not configured here", status=404)
    try:
        provider = await oidc.discover(settings)
    except oidc.SignInRefused as error:
        return refused(request, str(error), status=503)
    async with resources.sessions() as session, session.begin():
        pending = await console_sessions.begin_sign_in(session, safe_next(next_path), datetime.now(UTC), FLOW_TTL)
    response = RedirectResponse(
        oidc.authorization_url(settings, provider, pending.state, pending.nonce, pending.verifier), status_code=303
    )
    response.set_cookie(
        FLOW_COOKIE,
        pending.flow,
        max_age=int(FLOW_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/console/sign-in",
    )
    return response


@router.get("/callback")
async def callback(
    request: Request,
    resources: ResourcesDep,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    settings = resources.settings
    flow = request.cookies.get(FLOW_COOKIE, "")
    async with resources.sessions() as session, session.begin():
        pending = await console_sessions.take_sign_in(session, flow, datetime.now(UTC)) if flow else None
    if error is not None:
        return refused(request, f"your organisation's sign-in said: {error}")
    if pending is None:
        return refused(request, "this sign-in has expired or was already used: start again")
    if state is None or code is None or state != pending.state:
        log.warning("console sign-in refused", reason="state does not match")
        return refused(request, "this answer does not belong to your sign-in: start again")
    try:
        provider = await oidc.discover(settings)
        principal = await oidc.principal_from_code(settings, provider, code, pending.verifier, pending.nonce)
    except oidc.SignInRefused as refusal:
        log.warning("console sign-in refused", reason=str(refusal))
        return refused(request, str(refusal))
    token, ttl = await start_session(resources, principal)
    log.info("console sign-in", sub=principal.sub, role=principal.role.value, org_id=principal.org_id)
    response = RedirectResponse(pending.next_path, status_code=303)
    response.set_cookie(
        cookie_name(settings.cookie_secure),
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    response.delete_cookie(FLOW_COOKIE, path="/console/sign-in")
    return response
