"""One exception hierarchy for every API error, rendered in one place as RFC 9457 problem details.

Subclass `ApiError` per domain (`OrganisationNotFound`, `StepNotAllowed`, ...) and declare the subclasses on
the routes that raise them (`responses=problem_responses(...)`) so the OpenAPI shows them.
Validation errors, unknown routes and unexpected exceptions are rendered the same way; a 500 never carries
a stack trace or SQL, only the request id to quote to support. PostgreSQL being away (refused, reset, shutting
down, pool exhausted) is a 503 with `Retry-After`, not a 500: the same request may succeed in a moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any, ClassVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from contracts.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, FieldError, Problem
from services.store.db import TRANSIENT_DATABASE_ERRORS, is_transient_database_error

log = structlog.get_logger(__name__)

INTERNAL_ERROR_DETAIL = "Something went wrong on our side. Nothing was changed; quote the request id to support."


class ApiError(Exception):
    """Base of every error the API answers with; carries its HTTP status and problem type."""

    status: ClassVar[int] = 500
    type_slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"
    headers: dict[str, str] | None = None

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}


class BadRequest(ApiError):
    status = 400
    type_slug = "bad-request"
    title = "The request cannot be processed"


class Unauthenticated(ApiError):
    status = 401
    type_slug = "unauthenticated"
    title = "Authentication required"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.headers = {"WWW-Authenticate": 'Bearer realm="pledgeflow"'}


class Forbidden(ApiError):
    status = 403
    type_slug = "forbidden"
    title = "Not allowed for your role"


class NotFound(ApiError):
    status = 404
    type_slug = "not-found"
    title = "Not found"


class Conflict(ApiError):
    status = 409
    type_slug = "conflict"
    title = "Conflicts with the current state"


class PayloadTooLarge(ApiError):
    status = 413
    type_slug = "content-too-large"
    title = "The body is too large"


class UnsupportedMediaType(ApiError):
    status = 415
    type_slug = "unsupported-media-type"
    title = "The body is not JSON"


class Unprocessable(ApiError):
    status = 422
    type_slug = "unprocessable"
    title = "The request is not acceptable"


class IdempotencyKeyReused(Unprocessable):
    type_slug = "idempotency-key-reused"
    title = "Idempotency-Key already used for a different request"


class IdempotencyKeyInFlight(Conflict):
    type_slug = "idempotency-key-in-flight"
    title = "A request with this Idempotency-Key is still being processed"


class ServiceUnavailable(ApiError):
    """Transient: nothing was changed, or a step is still under way. The same request (with the same
    Idempotency-Key) may be sent again after `Retry-After` seconds; a 503 is never stored under a key."""

    status = 503
    type_slug = "service-unavailable"
    title = "Service unavailable"
    retry_after_seconds: ClassVar[int] = 2

    def __init__(self, detail: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail, extra=extra)
        self.headers = {"Retry-After": str(self.retry_after_seconds)}


class DatabaseUnavailable(ServiceUnavailable):
    type_slug = "database-unavailable"
    title = "The database is not reachable right now"


DATABASE_UNAVAILABLE_DETAIL = (
    "Our database is not reachable right now; nothing was changed. Try again in a few seconds."
)


class RequestTimedOut(ServiceUnavailable):
    type_slug = "request-timed-out"
    title = "The request took too long"


def problem_body(
    *,
    status: int,
    type_slug: str,
    title: str,
    detail: str,
    instance: str,
    request_id: str | None,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    problem = Problem(
        type=PROBLEM_TYPE_BASE + type_slug,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        request_id=request_id,
        errors=errors,
        **(extra or {}),
    )
    return problem.model_dump(mode="json", exclude_none=True)


def problem_response(
    request: Request,
    *,
    status: int,
    type_slug: str,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    body = problem_body(
        status=status,
        type_slug=type_slug,
        title=title,
        detail=detail,
        instance=request.url.path,
        request_id=request_id,
        errors=errors,
        extra=extra,
    )
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def field_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "this field is required"
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected")
        return f"not an accepted value; expected one of {expected}" if expected else "not an accepted value"
    if kind == "json_invalid":
        return "the body is not valid JSON"
    if kind == "extra_forbidden":
        return "this field is not accepted here"
    return str(error.get("msg", "invalid value"))


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _api_error_response(request, exc)


def _api_error_response(request: Request, exc: ApiError) -> JSONResponse:
    return problem_response(
        request,
        status=exc.status,
        type_slug=exc.type_slug,
        title=exc.title,
        detail=exc.detail,
        extra=exc.extra,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(field=_location(e.get("loc", ())), message=field_message(e)) for e in exc.errors()]
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return problem_response(
        request,
        status=422,
        type_slug="validation-error",
        title="The request is not well formed",
        detail=f"Some fields are missing or invalid — {summary}",
        errors=errors,
    )


def _flat(routes: Iterable[Any]) -> Iterator[Any]:
    """The routes themselves (FastAPI keeps an included router as one entry that wraps its own)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat(inner.routes)
        else:
            yield route


def allowed_methods(request: Request) -> set[str]:
    """Every method some route takes at this path (Starlette names only the first route's in its 405)."""
    allowed: set[str] = set()
    for route in _flat(request.app.router.routes):
        match, _ = route.matches(request.scope)
        methods = getattr(route, "methods", None)
        if match is not Match.NONE and methods:
            allowed |= set(methods)
    if "GET" in allowed:
        allowed.add("HEAD")
    return allowed | {"OPTIONS"} if allowed else allowed


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 405:
        allow = ", ".join(sorted(allowed_methods(request)))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allow})
        exc.headers = {**(exc.headers or {}), "Allow": allow}
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    detail = {
        404: f"There is nothing at {request.url.path}.",
        405: f"{request.method} is not allowed on {request.url.path}.",
    }.get(status, str(exc.detail) if exc.detail else phrase)
    return problem_response(
        request,
        status=status,
        type_slug=phrase.lower().replace(" ", "-"),
        title=phrase,
        detail=detail,
        headers=getattr(exc, "headers", None),
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database error: 503 when PostgreSQL is away (the same request may succeed later), else 500."""
    if is_transient_database_error(exc):
        log.warning("database unavailable", path=request.url.path, error=repr(exc)[:300])
        return _api_error_response(request, DatabaseUnavailable(DATABASE_UNAVAILABLE_DETAIL))
    return await _unexpected_error(request, exc)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=500,
        type_slug="internal-error",
        title="Internal error",
        detail=INTERNAL_ERROR_DETAIL,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for error in TRANSIENT_DATABASE_ERRORS:
        app.add_exception_handler(error, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)


def problem_responses(*errors: type[ApiError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route: each error class's status, described as problem+json."""
    by_status: dict[int, list[type[ApiError]]] = {}
    # Any route may meet a malformed request, the database away or its time bound.
    declared: list[type[ApiError]] = [*errors, Unprocessable, DatabaseUnavailable, RequestTimedOut]
    for error in declared:
        by_status.setdefault(error.status, []).append(error)
    return {
        status: {
            "description": "; ".join(sorted({e.title for e in classes})),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status, classes in sorted(by_status.items())
    }
