"""Annotated dependencies shared by every router: session, caller, Temporal client, audit context.

Every dependency is `async def`, even those that do not await: FastAPI runs a plain `def` dependency in a
thread pool, a hop per dependency per request that showed up in the step latency benchmark.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from contracts.base import Actor
from contracts.enums import Role
from services.api.errors import Forbidden, Unauthenticated
from services.api.state import AppResources
from services.domain.digest import payload_digest
from services.platform.auth import InvalidToken, Principal
from services.store.audit import AuditEntry


async def get_resources(request: Request) -> AppResources:
    resources: AppResources = request.app.state.resources
    return resources


ResourcesDep = Annotated[AppResources, Depends(get_resources)]


async def get_session(resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the route returns, rolled back when it raises."""
    async with resources.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is answered as a failure.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="A JWT with the claims sub, role, org_id and district.")


async def get_principal(
    resources: ResourcesDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthenticated("Sign in first: send your token as `Authorization: Bearer <token>`.")
    try:
        return resources.verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        raise Unauthenticated(f"Your sign-in was not accepted: {exc}.") from exc


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_temporal(resources: ResourcesDep) -> Client:
    return resources.temporal


TemporalDep = Annotated[Client, Depends(get_temporal)]


def require_roles(*roles: Role) -> Callable[[Principal], Coroutine[Any, Any, Principal]]:
    """A dependency that lets only the given roles through (403 otherwise, naming who may)."""
    allowed = ", ".join(role.value for role in roles)

    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"This step is for {allowed}; you are signed in as {principal.role.value}.")
        return principal

    return check


def actor_of(principal: Principal) -> Actor:
    """The caller as the workflow records it on a step."""
    return Actor(sub=principal.sub, role=principal.role, org_id=principal.org_id, district=principal.district)


@dataclass(frozen=True)
class RequestContext:
    """Who is acting in which request and trace: what an audit record needs besides the action."""

    principal: Principal
    request_id: str | None
    trace_id: str | None
    idempotency_key: str | None
    # How long a step may wait for its workflow before the request answers 503 (PLEDGEFLOW_STEP_TIMEOUT_SECONDS).
    step_timeout: float = 15.0

    def audit(
        self, action: str, target_type: str, target_id: str, payload: Any, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        return AuditEntry(
            actor_sub=self.principal.sub,
            actor_role=self.principal.role.value,
            actor_org=self.principal.org_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            payload_digest=payload_digest(payload),
            request_id=self.request_id,
            trace_id=self.trace_id,
            details=details,
        )

    def derived_id(self, kind: str | None = None, length: int = 16) -> str:
        """The id of what this request creates, derived from its Idempotency-Key (scoped to the caller and, when
        given, the kind of thing), so that a retry the key's stored answer did not catch finds what the first
        attempt created instead of creating it again; a fresh id without a key."""
        if self.idempotency_key is None:
            return uuid.uuid4().hex[:length]
        scope = f"{self.principal.caller_key}\n" + (f"{kind}\n" if kind else "")
        return hashlib.sha256(f"{scope}{self.idempotency_key}".encode()).hexdigest()[:length]


async def get_request_context(request: Request, principal: PrincipalDep, resources: ResourcesDep) -> RequestContext:
    state = request.scope.get("state", {})
    return RequestContext(
        principal=principal,
        request_id=state.get("request_id"),
        trace_id=state.get("trace_id"),
        idempotency_key=state.get("idempotency_key"),
        step_timeout=resources.settings.step_timeout_seconds,
    )


RequestContextDep = Annotated[RequestContext, Depends(get_request_context)]
