"""Mounting the console: its areas' routes, its static files (every asset inside the package), and what a console
page answers instead of a problem+json body (a redirect to sign in, a page saying what went wrong)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from contracts.problems import PROBLEM_MEDIA_TYPE
from services.api.console.frame.oidc_routes import router as oidc_router
from services.api.console.frame.render import form_refused, problem_page
from services.api.console.frame.routes import router as frame_router
from services.api.console.frame.session import CsrfRefused, SignInRequired, sign_in_location
from services.api.console.loans.opening import router as opening_router
from services.api.console.loans.routes import router as loans_router
from services.api.console.loans.steps import router as steps_router
from services.api.console.portfolio.routes import router as portfolio_router
from services.api.console.reference.routes import router as reference_router
from services.api.console.stations.roster_pages import router as roster_pages_router
from services.api.console.stations.routes import router as stations_router
from services.api.console.stations.visits import router as visits_router
from services.api.console.subsidies.claims import router as claims_router
from services.api.console.subsidies.correction import router as correction_router
from services.api.console.subsidies.routes import router as subsidies_router
from services.api.console.whitelist.push_pages import router as push_pages_router
from services.api.console.whitelist.routes import router as whitelist_router

ExceptionHandler = Callable[[Request, Any], Response | Awaitable[Response]]
STATIC = Path(__file__).resolve().parent / "static"


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    location = sign_in_location(exc.next_path, exc.expired)
    if request.headers.get("HX-Request"):  # a partial update: htmx follows HX-Redirect with a full page load
        return Response(status_code=401, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


async def _csrf_refused(request: Request, exc: Exception) -> HTMLResponse:  # noqa: ARG001  the handler's signature
    return form_refused(request)


def _is_console_page(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/console") and not path.startswith("/console/static/")


def _as_page(handler: ExceptionHandler) -> ExceptionHandler:
    """`handler` (the API's, answering problem+json) for every request, its answer made a page for the console's."""

    async def handle(request: Request, exc: Exception) -> Response:
        answer = handler(request, exc)
        if inspect.isawaitable(answer):
            answer = await answer
        if not _is_console_page(request) or answer.media_type != PROBLEM_MEDIA_TYPE:
            return answer
        problem = json.loads(bytes(answer.body))
        return problem_page(request, answer.status_code, str(problem.get("detail", "")), answer.headers)

    return handle


def install_console(app: FastAPI) -> None:
    """The console's routes and files; and, for its pages, the API's error answers as pages: a bad filter or
    cursor, a path that is not there, the database away — each the same status as in the API, in HTML (call after
    `install_error_handlers`)."""
    for error, handler in list(app.exception_handlers.items()):
        app.exception_handlers[error] = _as_page(handler)
    app.include_router(frame_router)
    app.include_router(oidc_router)
    app.include_router(opening_router)
    app.include_router(loans_router)
    app.include_router(steps_router)
    app.include_router(portfolio_router)
    app.include_router(reference_router)
    app.include_router(claims_router)  # before the policy pages: /console/subsidies/claims is not a policy
    app.include_router(correction_router)
    app.include_router(subsidies_router)
    app.include_router(stations_router)
    app.include_router(visits_router)
    app.include_router(roster_pages_router)
    app.include_router(push_pages_router)  # before /console/whitelist/{...}
    app.include_router(whitelist_router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
