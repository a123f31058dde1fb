"""`Idempotency-Key` handling for POSTs: one key, one answer, and only final answers are stored.

The first request claims (caller, key) in the database under a token of its own before it runs, and stores its
answer when it ends. A retry with the same key and the same request gets the stored answer back (with
`Idempotent-Replayed: true`) and acts no more; the same key with a different request gets 422; a retry while the
first is still running gets 409 `idempotency-key-in-flight` (with `Retry-After`). Keys are scoped per caller
(organisation and subject of the bearer token).

Only final answers are stored. A transient failure (5xx: a workflow busy or unreachable, a step past its time
bound, PostgreSQL away) releases the key, so the same key retried later completes the same update (the update id
derives from the key). If PostgreSQL is away when the answer is to be stored or the key released, `KeyLedger`
keeps it and writes it as soon as PostgreSQL is back: no key is left pending by a request that answered. A key
left pending by a process that died is taken over by its retry once its lease (`PLEDGEFLOW_IDEMPOTENCY_PENDING_
SECONDS`) has run out, or swept after two leases; requests are bounded well inside the lease, so a key is never
taken over while its first request is alive, and the token keeps a late first request from overwriting it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.errors import (
    DATABASE_UNAVAILABLE_DETAIL,
    DatabaseUnavailable,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    Unprocessable,
)
from services.api.middleware import header, replay_body, send_problem
from services.platform.auth import InvalidToken, TokenVerifier
from services.store import idempotency as keys
from services.store.db import is_transient_database_error

log = structlog.get_logger("pledgeflow.api.idempotency")

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
IN_FLIGHT_RETRY_AFTER = "1"
_RETRY_FIRST = 0.2
_RETRY_LONGEST = 2.0


def request_digest(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests "the same" for an Idempotency-Key: method, path, query and JSON body (an upload's
    multipart body without its boundary, which a client draws anew for each attempt)."""
    try:
        normalised: Any = json.loads(body) if body else None
        body_form = json.dumps(normalised, sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body_form = body
        if body.startswith(b"--"):
            boundary = body.split(b"\r\n", 1)[0]
            body_form = body.replace(boundary, b"--")
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body_form):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


@dataclass(frozen=True)
class Answer:
    status_code: int
    content_type: str | None
    body: bytes


class KeyLedger:
    """Completes and releases held keys, now if PostgreSQL answers, else as soon as it does again.

    Runs for the app's lifetime (`start` / `stop` in its lifespan): a background task retries what could not be
    written (backing off from 0.2 s to 2 s) and, every lease, sweeps keys abandoned by processes that died."""

    def __init__(self, sessions: Callable[[], async_sessionmaker[AsyncSession]], lease: timedelta) -> None:
        self._sessions = sessions
        self.lease = lease
        self._waiting: dict[int, tuple[keys.Held, Answer | None]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        """Keys held in memory until PostgreSQL answers again."""
        return len(self._waiting)

    async def complete(self, held: keys.Held, answer: Answer) -> None:
        await self._settle(held, answer)

    async def release(self, held: keys.Held) -> None:
        await self._settle(held, None)

    def release_later(self, held: keys.Held) -> None:
        """For a request that was cancelled: no waiting on the database in its unwinding."""
        self._keep(held, None)

    async def _settle(self, held: keys.Held, answer: Answer | None) -> None:
        try:
            await self._write(held, answer)
        except Exception as error:  # the answer has gone out: never fail the request over its key
            if not is_transient_database_error(error):
                log.exception("idempotency key not settled", key_id=held.record_id, exc_info=error)
            self._keep(held, answer)

    def _keep(self, held: keys.Held, answer: Answer | None) -> None:
        self._waiting[held.record_id] = (held, answer)
        self._wake.set()

    async def _write(self, held: keys.Held, answer: Answer | None) -> None:
        async with self._sessions()() as session, session.begin():
            if answer is None:
                await keys.release_key(session, held)
            else:
                await keys.complete_key(
                    session,
                    held,
                    status_code=answer.status_code,
                    content_type=answer.content_type,
                    body=answer.body,
                    now=datetime.now(UTC),
                )

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="idempotency-key-ledger")

    async def stop(self, drain_seconds: float = 5.0) -> None:
        """Stop, writing what is still waiting (trying for at most `drain_seconds`)."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain_seconds):
                for _ in range(int(drain_seconds / _RETRY_FIRST)):
                    if not self._waiting or await self._retry_waiting():
                        break
                    await asyncio.sleep(_RETRY_FIRST)
        if self._waiting:
            log.warning("idempotency keys left pending at shutdown", count=len(self._waiting))

    async def _run(self) -> None:
        pause = _RETRY_FIRST
        next_sweep = asyncio.get_running_loop().time() + self.lease.total_seconds()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause if self._waiting else self.lease.total_seconds()):
                    await self._wake.wait()
            self._wake.clear()
            pause = _RETRY_FIRST if await self._retry_waiting() else min(pause * 2, _RETRY_LONGEST)
            if asyncio.get_running_loop().time() >= next_sweep:
                next_sweep = asyncio.get_running_loop().time() + self.lease.total_seconds()
                await self._sweep()

    async def _retry_waiting(self) -> bool:
        """Write every waiting key; False if PostgreSQL still does not answer."""
        for record_id, (held, answer) in list(self._waiting.items()):
            try:
                await self._write(held, answer)
            except Exception as error:  # keep it and try again later
                if not is_transient_database_error(error):
                    log.exception("idempotency key not settled", key_id=record_id, exc_info=error)
                return False
            # A newer outcome for the same key may have been queued while this one was written.
            if self._waiting.get(record_id) == (held, answer):
                del self._waiting[record_id]
        return True

    async def _sweep(self) -> None:
        try:
            async with self._sessions()() as session, session.begin():
                swept = await keys.release_abandoned(session, created_before=datetime.now(UTC) - 2 * self.lease)
        except Exception as error:  # the next sweep will do
            if not is_transient_database_error(error):
                log.exception("sweeping abandoned idempotency keys failed", exc_info=error)
            return
        if swept:
            log.info("abandoned idempotency keys released", count=swept)


class IdempotencyMiddleware:
    """Makes every POST with an `Idempotency-Key` act once (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: Callable[[], async_sessionmaker[AsyncSession]],
        verifier: Callable[[], TokenVerifier],
        ledger: KeyLedger,
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.verifier = verifier
        self.ledger = ledger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keyed = self._keyed_caller(scope)
        if keyed is None:
            await self.app(scope, receive, send)
            return
        key, caller = keyed
        if not _IDEMPOTENCY_KEY.match(key):
            await send_problem(
                send, scope, Unprocessable("The Idempotency-Key header must be 1–255 visible ASCII characters.")
            )
            return
        body = await _read_body(receive)
        digest = request_digest(scope["method"], scope["path"], scope.get("query_string", b""), body)
        held = await self._claim(scope, send, caller=caller, key=key, digest=digest)
        if held is not None:
            await self._run_and_remember(scope, replay_body(body, receive), send, held)

    def _keyed_caller(self, scope: Scope) -> tuple[str, str] | None:
        """(key, caller) of a POST that carries an `Idempotency-Key` and a valid bearer token; None for any other
        request, which passes straight through (unauthenticated: the route answers 401 and nothing acts, so there
        is nothing to remember)."""
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        key = header(scope, "idempotency-key")
        if key is None:
            return None
        caller = self._caller(scope)
        return None if caller is None else (key, caller)

    async def _claim(self, scope: Scope, send: Send, *, caller: str, key: str, digest: str) -> keys.Held | None:
        """Claims the key for this request; None when the request has been answered instead (an earlier answer,
        a conflict, or the database away)."""
        now = datetime.now(UTC)
        try:
            async with self.sessions()() as session, session.begin():
                claim = await keys.claim_key(
                    session, caller=caller, key=key, digest=digest, now=now, stale_before=now - self.ledger.lease
                )
        except Exception as error:
            if not is_transient_database_error(error):
                raise
            log.warning("idempotency key not claimed: database unavailable", error=repr(error)[:300])
            await send_problem(send, scope, DatabaseUnavailable(DATABASE_UNAVAILABLE_DETAIL))
            return None
        if claim.existing is not None:
            await self._answer_existing(scope, send, claim.existing, digest)
            return None
        assert claim.record_id is not None
        return keys.Held(record_id=claim.record_id, token=claim.token, caller=caller, key=key, digest=digest)

    async def _run_and_remember(self, scope: Scope, receive: Receive, send: Send, held: keys.Held) -> None:
        """Runs the request and stores its answer under the key if it is final; releases the key otherwise."""
        captured: dict[str, Any] = {"status": 500, "content_type": None, "body": bytearray()}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["content_type"] = Headers(raw=message.get("headers", [])).get("content-type")
            elif message["type"] == "http.response.body":
                captured["body"].extend(message.get("body", b""))
            await send(message)

        scope.setdefault("state", {})["idempotency_key"] = held.key
        try:
            await self.app(scope, receive, capture)
        except asyncio.CancelledError:
            self.ledger.release_later(held)  # cut off at its time bound: the outer middleware answers 503
            raise
        except Exception:
            await self.ledger.release(held)  # failed: the outer middleware answers 5xx
            raise
        if captured["status"] >= 500:
            await self.ledger.release(held)
            return
        await self.ledger.complete(held, Answer(captured["status"], captured["content_type"], bytes(captured["body"])))

    async def _answer_existing(self, scope: Scope, send: Send, existing: Any, digest: str) -> None:
        if existing.request_digest != digest:
            await send_problem(
                send,
                scope,
                IdempotencyKeyReused(
                    "This Idempotency-Key was already used for a different request. Use a new key for a new request."
                ),
            )
        elif existing.completed_at is None:
            await send_problem(
                send,
                scope,
                IdempotencyKeyInFlight(
                    "The first request with this Idempotency-Key is still being processed; retry in a moment."
                ),
                extra_headers={"Retry-After": IN_FLIGHT_RETRY_AFTER},
            )
        else:
            await _send_stored(send, existing.status_code or 200, existing.content_type, existing.response_body or b"")

    def _caller(self, scope: Scope) -> str | None:
        authorization = header(scope, "authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return self.verifier().verify(token.strip()).caller_key
        except InvalidToken:
            return None


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


async def _send_stored(send: Send, status: int, content_type: str | None, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (b"idempotent-replayed", b"true")]
    if content_type:
        headers.append((b"content-type", content_type.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
