"""ASGI middleware: request id, server span and request log line; `Idempotency-Key` handling for POSTs.

Both are plain ASGI (not `BaseHTTPMiddleware`) so context variables (the request id bound to structlog, the
current span) flow into the route and its dependencies.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.problems import PROBLEM_MEDIA_TYPE
from services.api.errors import (
    INTERNAL_ERROR_DETAIL,
    ApiError,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    Unprocessable,
    problem_body,
)
from services.platform.auth import InvalidToken, TokenVerifier
from services.store import idempotency

log = structlog.get_logger("pledgeflow.api")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


def _header(scope: Scope, name: str) -> str | None:
    return Headers(scope=scope).get(name)


class RequestContextMiddleware:
    """Gives every request an id (`X-Request-ID`, ours or the caller's), labels its span, logs one line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = _header(scope, "x-request-id")
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
                message = {**message, "headers": headers}
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                if response_started:
                    raise
                # Answered here rather than by Starlette's last-resort handler so the 500 carries the
                # request id too; the details go to the log, never to the caller.
                log.exception("unhandled error", path=scope["path"], exc_info=exc)
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR))
                await send_with_id(internal_error_message(scope, request_id))
                await send_with_id(internal_error_body(scope, request_id))
            finally:
                log.info(
                    "request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status_code,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )


def _internal_error(scope: Scope, request_id: str) -> bytes:
    body = problem_body(
        status=500,
        type_slug="internal-error",
        title="Internal error",
        detail=INTERNAL_ERROR_DETAIL,
        instance=scope["path"],
        request_id=request_id,
    )
    return json.dumps(body).encode()


def internal_error_message(scope: Scope, request_id: str) -> Message:
    length = len(_internal_error(scope, request_id))
    return {
        "type": "http.response.start",
        "status": 500,
        "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(length).encode())],
    }


def internal_error_body(scope: Scope, request_id: str) -> Message:
    return {"type": "http.response.body", "body": _internal_error(scope, request_id)}


def request_digest(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests "the same" for an Idempotency-Key: method, path, query and JSON body."""
    try:
        normalised: Any = json.loads(body) if body else None
        body_form = json.dumps(normalised, sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body_form = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body_form):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyMiddleware:
    """Makes every POST with an `Idempotency-Key` act once.

    The first request claims (caller, key) in the database before it runs, and stores its response when it
    ends. A retry with the same key and the same request gets the stored response back (with
    `Idempotent-Replayed: true`) and acts no more; the same key with a different request gets 422; a retry
    while the first is still running gets 409. Keys are scoped per caller (organisation and subject of the
    bearer token). A server error (5xx) releases the key so the client may retry.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: Callable[[], async_sessionmaker[AsyncSession]],
        verifier: Callable[[], TokenVerifier],
        pending_seconds: int = 60,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.verifier = verifier
        self.pending = timedelta(seconds=pending_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = _header(scope, "idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        caller = self._caller(scope)
        if caller is None:
            # Unauthenticated: the route answers 401 and nothing acts, so there is nothing to remember.
            await self.app(scope, receive, send)
            return
        if not _IDEMPOTENCY_KEY.match(key):
            await self._problem(
                scope, send, Unprocessable("The Idempotency-Key header must be 1–255 visible ASCII characters.")
            )
            return

        body = await _read_body(receive)
        digest = request_digest(scope["method"], scope["path"], scope.get("query_string", b""), body)
        now = datetime.now(UTC)
        async with self.sessions()() as session, session.begin():
            claim = await idempotency.claim_key(
                session, caller=caller, key=key, digest=digest, now=now, stale_before=now - self.pending
            )
        if claim.existing is not None:
            existing = claim.existing
            if existing.request_digest != digest:
                await self._problem(
                    scope,
                    send,
                    IdempotencyKeyReused(
                        "This Idempotency-Key was already used for a different request. "
                        "Use a new key for a new request."
                    ),
                )
            elif existing.completed_at is None:
                await self._problem(
                    scope,
                    send,
                    IdempotencyKeyInFlight(
                        "The first request with this Idempotency-Key is still being processed; retry in a moment."
                    ),
                )
            else:
                await _send_stored(
                    send, existing.status_code or 200, existing.content_type, existing.response_body or b""
                )
            return

        assert claim.record_id is not None
        captured: dict[str, Any] = {"status": 500, "content_type": None, "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["content_type"] = Headers(raw=message.get("headers", [])).get("content-type")
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        scope.setdefault("state", {})["idempotency_key"] = key
        try:
            await self.app(scope, _replay(body, receive), capture)
        except BaseException:
            await self._release(claim.record_id)
            raise
        if captured["status"] >= 500:
            await self._release(claim.record_id)
            return
        async with self.sessions()() as session, session.begin():
            await idempotency.complete_key(
                session,
                claim.record_id,
                status_code=captured["status"],
                content_type=captured["content_type"],
                body=bytes(captured["body"]),
                now=datetime.now(UTC),
            )

    def _caller(self, scope: Scope) -> str | None:
        authorization = _header(scope, "authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return self.verifier().verify(token.strip()).caller_key
        except InvalidToken:
            return None

    async def _release(self, record_id: int) -> None:
        async with self.sessions()() as session, session.begin():
            await idempotency.release_key(session, record_id)

    async def _problem(self, scope: Scope, send: Send, error: ApiError) -> None:
        body = problem_body(
            status=error.status,
            type_slug=error.type_slug,
            title=error.title,
            detail=error.detail,
            instance=scope["path"],
            request_id=scope.get("state", {}).get("request_id"),
        )
        await _send_stored(send, error.status, PROBLEM_MEDIA_TYPE, json.dumps(body).encode(), replayed=False)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, downstream: Receive) -> Callable[[], Awaitable[MutableMapping[str, Any]]]:
    """Hand the already-read body to the app once, then pass through (to hear a disconnect)."""
    sent = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if sent:
            return await downstream()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _send_stored(
    send: Send, status: int, content_type: str | None, body: bytes, *, replayed: bool = True
) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    if content_type:
        headers.append((b"content-type", content_type.encode()))
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
