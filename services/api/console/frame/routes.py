"""The console's frame: sign-in (a page of demo users in development), sign-out, the language toggle, and the
home page of each role: the steps waiting for the signed-in person across their loans."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.enums import Role
from services.api.console.frame import oidc
from services.api.console.frame.oidc_routes import safe_next
from services.api.console.frame.render import LANG_COOKIE, Viewer, form_refused, language, render
from services.api.console.frame.session import (
    CSRF_FIELD,
    ViewerDep,
    cookie_name,
    start_session,
)
from services.api.dependencies import ResourcesDep, SessionDep
from services.api.loans import service
from services.api.stations.home import station_home
from services.platform.auth import Principal
from services.store import console_sessions
from services.store.seed import DEMO_USERS

router = APIRouter(prefix="/console", include_in_schema=False)

SIGN_IN_COOKIE = "pledgeflow_sign_in"  # the sign-in form's own CSRF token (there is no session yet)
# The open loans of the caller's scope with the latest activity that the home page asks the rules about (each costs
# ~0.3 ms of rules): older ones are in the case list.
HOME_LOANS = 50


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(
    request: Request,
    resources: ResourcesDep,
    next_path: Annotated[str | None, Query(alias="next", max_length=500)] = None,
    expired: Annotated[bool, Query()] = False,
) -> Response:
    token = secrets.token_urlsafe(32)
    viewer = Viewer(principal=None, csrf=token, lang=language(request))
    users = DEMO_USERS if resources.settings.dev_sign_in else ()
    response = render(
        request,
        "frame/sign_in.html",
        viewer,
        users=users,
        next_path=safe_next(next_path),
        expired=expired,
        organisation=oidc.configured(resources.settings),
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=resources.settings.cookie_secure,
        path="/console",
    )
    return response


@router.post("/sign-in/dev")
async def dev_sign_in(
    request: Request,
    resources: ResourcesDep,
    sub: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=100)],
    next_path: Annotated[str | None, Form(alias="next", max_length=500)] = None,
) -> Response:
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    user = next((u for u in DEMO_USERS if u.sub == sub), None)
    if not resources.settings.dev_sign_in or user is None or not expected:
        return form_refused(request)
    if not hmac.compare_digest(csrf_token.encode(), expected.encode()):
        return form_refused(request)
    principal = Principal(sub=user.sub, role=user.role, org_id=user.org_id, district=user.district)
    token, ttl = await start_session(resources, principal)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    secure = resources.settings.cookie_secure
    response.set_cookie(
        cookie_name(secure), token, max_age=int(ttl.total_seconds()), httponly=True, samesite="lax", secure=secure
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/console")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, viewer: ViewerDep, resources: ResourcesDep, session: SessionDep) -> Response:  # noqa: ARG001  ViewerDep checks the session and the CSRF token
    name = cookie_name(resources.settings.cookie_secure)
    await console_sessions.close_session(session, request.cookies.get(name, ""))
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(name)
    return response


@router.get("/language")
async def switch_language(
    to: Annotated[str, Query(pattern="^(zh|en)$")],
    next_path: Annotated[str | None, Query(alias="next", max_length=500)] = None,
) -> Response:
    response = RedirectResponse(safe_next(next_path), status_code=303)
    response.set_cookie(LANG_COOKIE, to, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


@router.get("", response_class=HTMLResponse)
async def home(request: Request, viewer: ViewerDep, session: SessionDep, resources: ResourcesDep) -> Response:
    """The steps waiting for this person: each open loan of theirs on which they may act now, latest activity first
    (the `actions` of `GET /loans/{id}`, less those possible all along — a visit, a withdrawal — which nothing
    waits for). A specialist's home leads with the station's board: its stalled and near-deadline cases and the
    visits of the day."""
    assert viewer.principal is not None
    waiting = await service.awaiting(session, viewer.principal, HOME_LOANS)
    station = None
    if viewer.principal.role is Role.STATION_SPECIALIST:
        station = await station_home(session, viewer.principal, resources.settings.stalled_working_days)
    return render(request, "frame/home.html", viewer, waiting=waiting, station=station)
