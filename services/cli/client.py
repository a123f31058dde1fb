"""The careful client: how a caller of the pledgeflow API gets exactly-once steps through faults.

The API makes a step act once per `Idempotency-Key` and answers every transient failure with 503 (never
stored under the key), so a client recovers by itself if it:

- gives every step a key of its own and sends **the same key with the same body** on every retry of it;
- retries, after a pause, on a connection error or timeout (the step may or may not have acted: the same key
  finds out), on any 5xx (503 carries `Retry-After`: wait at least that long) and on 409
  `idempotency-key-in-flight` (the first attempt is still running: wait for its answer);
- backs off exponentially with jitter (0.25 s doubling to 8 s) and gives up only after a long deadline;
- treats every other answer as final: 2xx (`Idempotent-Replayed: true` says it is the stored first answer),
  403, 404, 409 (wrong stage, rule broken), 422.

`pledgeflow demo` and the fault-injection run (`make chaos`) drive the API through this class.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

IN_FLIGHT = "idempotency-key-in-flight"
FIRST_PAUSE = 0.25
LONGEST_PAUSE = 8.0


class GaveUp(Exception):
    """The step got no final answer before the deadline (the API or a dependency stayed down)."""

    def __init__(self, method: str, path: str, last: str, attempts: int) -> None:
        super().__init__(f"{method} {path}: no final answer after {attempts} attempt(s); last: {last}")
        self.last = last


def problem_type(response: httpx.Response) -> str:
    """The last segment of a problem body's `type` ('' when the body is not a problem)."""
    if not response.headers.get("content-type", "").startswith("application/problem+json"):
        return ""
    try:
        kind = response.json().get("type", "")
    except ValueError:
        return ""
    return str(kind).rsplit("/", 1)[-1]


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class CarefulClient:
    """Retries each request with the same `Idempotency-Key` until it gets a final answer or `deadline` passes."""

    http: httpx.AsyncClient
    deadline: float = 180.0
    retries: Counter[str] = field(default_factory=Counter)
    # (event-loop time, reason) of every retry, to tell which fault caused what.
    retry_log: list[tuple[float, str]] = field(default_factory=list)

    async def post(
        self, path: str, body: dict[str, Any], headers: dict[str, str], *, key: str | None = None
    ) -> httpx.Response:
        """POST `body` once, in effect: every attempt carries the same key."""
        return await self.request("POST", path, body, {**headers, "Idempotency-Key": key or uuid.uuid4().hex})

    async def get(self, path: str, headers: dict[str, str], *, deadline: float | None = None) -> httpx.Response:
        return await self.request("GET", path, None, headers, deadline=deadline)

    async def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str],
        *,
        deadline: float | None = None,
    ) -> httpx.Response:
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + (self.deadline if deadline is None else deadline)
        pause = FIRST_PAUSE
        attempts = 0
        while True:
            attempts += 1
            wait: float | None = None
            try:
                response = await self.http.request(method, path, json=body, headers=headers)
            except httpx.TransportError as error:  # refused, reset, timed out: the step may or may not have acted
                reason = f"connection: {type(error).__name__}"
            else:
                if response.status_code >= 500:
                    reason = f"HTTP {response.status_code}"
                    wait = retry_after(response)
                elif response.status_code == 409 and problem_type(response) == IN_FLIGHT:
                    reason = "in flight"
                else:
                    return response
            self.retries[reason] += 1
            self.retry_log.append((loop.time(), reason))
            sleep = max(wait or 0.0, pause * random.uniform(0.5, 1.0))  # noqa: S311 - jitter, not security
            if loop.time() + sleep > give_up_at:
                raise GaveUp(method, path, reason, attempts)
            await asyncio.sleep(sleep)
            pause = min(pause * 2, LONGEST_PAUSE)
