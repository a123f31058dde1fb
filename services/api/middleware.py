"""ASGI middleware: request id, server span, request log line and the bound on a request's time.

Plain ASGI (not `BaseHTTPMiddleware`) so context variables (the request id bound to structlog, the current span)
flow into the route and its dependencies. The `Idempotency-Key` handling is in `services.api.idempotency`.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.problems import PROBLEM_MEDIA_TYPE
from services.api.errors import (
    DATABASE_UNAVAILABLE_DETAIL,
    INTERNAL_ERROR_DETAIL,
    ApiError,
    DatabaseUnavailable,
    RequestTimedOut,
    problem_body,
)
from services.store.db import is_transient_database_error

log = structlog.get_logger("pledgeflow.api")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def header(scope: Scope, name: str) -> str | None:
    return Headers(scope=scope).get(name)


class InternalError(ApiError):
    """What an unexpected exception is answered with: the request id, never a trace or SQL."""


async def send_problem(
    send: Send, scope: Scope, error: ApiError, *, extra_headers: dict[str, str] | None = None
) -> None:
    """Answer with `error` as a problem body (used where the app's exception handlers do not reach)."""
    body = json.dumps(
        problem_body(
            status=error.status,
            type_slug=error.type_slug,
            title=error.title,
            detail=error.detail,
            instance=scope["path"],
            request_id=scope.get("state", {}).get("request_id"),
            extra=error.extra,
        )
    ).encode()
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
    for name, value in {**(error.headers or {}), **(extra_headers or {})}.items():
        headers.append((name.lower().encode(), value.encode()))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestContextMiddleware:
    """Gives every request an id (`X-Request-ID`, ours or the caller's) and its server time (`Server-Timing`),
    labels its span, logs one line, and
    bounds its time: a request still running after `timeout` seconds is cancelled and answered 503 (nothing it
    started in a workflow is lost: the retry with the same Idempotency-Key joins it). Whatever happens inside,
    the caller gets an answer: an unexpected error is a 500 problem, PostgreSQL being away a 503."""

    def __init__(self, app: ASGIApp, *, timeout: float = 25.0) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = header(scope, "x-request-id")
        request_id = supplied if supplied and _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status_code = 500
        response_started = False
        started = time.perf_counter()
        # FastAPI's own telemetry opens the server span (outside every middleware); we label it and read
        # its trace id for the audit trail.
        span = trace.get_current_span()
        span_context = span.get_span_context()
        trace_id = format(span_context.trace_id, "032x") if span_context.is_valid else None
        scope["state"]["trace_id"] = trace_id
        span.set_attribute("pledgeflow.request_id", request_id)

        async def send_with_id(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_code = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                # The server's time until the answer starts (W3C Server-Timing): shown by browsers' developer
                # tools, and what the console benchmark compares.
                elapsed = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={elapsed:.2f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            bound = asyncio.timeout(self.timeout)
            try:
                async with bound:
                    await self.app(scope, receive, send_with_id)
            except Exception as exc:
                if response_started:
                    # The answer is on its way (or out): nothing more can be said; the log line says what failed.
                    log.exception("error after the response started", path=scope["path"], exc_info=exc)
                else:
                    await send_problem(send_with_id, scope, self._problem_for(scope, exc, span, bound.expired()))
            finally:
                log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status_code,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )

    def _problem_for(self, scope: Scope, exc: Exception, span: trace.Span, timed_out: bool) -> ApiError:
        if timed_out:
            log.warning("request timed out", path=scope["path"], timeout_s=self.timeout)
            return RequestTimedOut(
                f"This took longer than {self.timeout:.0f} s and was stopped. If it was a step, it may still "
                "complete: send the same request again with the same Idempotency-Key to get its answer."
            )
        if is_transient_database_error(exc):
            log.warning("database unavailable", path=scope["path"], error=type(exc).__name__)
            return DatabaseUnavailable(DATABASE_UNAVAILABLE_DETAIL)
        # Answered here rather than by Starlette's last-resort handler so the 500 carries the request id too;
        # the details go to the log, never to the caller.
        log.exception("unhandled error", path=scope["path"], exc_info=exc)
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR))
        return InternalError(INTERNAL_ERROR_DETAIL)


def replay_body(body: bytes, downstream: Receive) -> Callable[[], Awaitable[MutableMapping[str, Any]]]:
    """A `receive` that hands a body already read to the app once, then passes through (to hear a disconnect)."""
    sent = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if sent:
            return await downstream()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
