"""The console's sessions: opened at sign-in, found by the cookie's token, closed at sign-out or expiry."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.store.tables import ConsoleSession, ConsoleSignIn


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Opened:
    token: str  # for the cookie; never stored
    row: ConsoleSession


async def open_session(
    session: AsyncSession, *, sub: str, role: str, org_id: str, district: str | None, now: datetime, ttl: timedelta
) -> Opened:
    """A new session for this person (expired sessions are swept on the way)."""
    await session.execute(delete(ConsoleSession).where(col(ConsoleSession.expires_at) <= now))
    token = secrets.token_urlsafe(32)
    row = ConsoleSession(
        token_hash=token_hash(token),
        sub=sub,
        role=role,
        org_id=org_id,
        district=district,
        csrf=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + ttl,
    )
    session.add(row)
    return Opened(token, row)


@dataclass(frozen=True)
class LiveSession:
    """Who a live session is, and its forms' CSRF token."""

    sub: str
    role: str
    org_id: str
    district: str | None
    csrf: str
    expires_at: datetime


_FIND = select(
    col(ConsoleSession.sub),
    col(ConsoleSession.role),
    col(ConsoleSession.org_id),
    col(ConsoleSession.district),
    col(ConsoleSession.csrf),
    col(ConsoleSession.expires_at),
).where(col(ConsoleSession.token_hash) == bindparam("token_hash"), col(ConsoleSession.expires_at) > bindparam("now"))


async def find_session(session: AsyncSession, token: str, now: datetime) -> LiveSession | None:
    """The live session of this cookie token, or None (unknown, signed out or expired). Read on every page: the
    columns only, by a statement built once."""
    # On the session's connection, as a Core statement: the ORM's execution path adds nothing to a column select.
    connection = await session.connection()
    row = (await connection.execute(_FIND, {"token_hash": token_hash(token), "now": now})).first()
    return None if row is None else LiveSession(*row)


async def close_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(ConsoleSession).where(col(ConsoleSession.token_hash) == token_hash(token)))


@dataclass(frozen=True)
class PendingSignIn:
    flow: str  # for the browser's flow cookie; never stored
    state: str
    nonce: str
    verifier: str


async def begin_sign_in(session: AsyncSession, next_path: str, now: datetime, ttl: timedelta) -> PendingSignIn:
    """A sign-in at the OpenID provider: fresh state, nonce and PKCE verifier, kept until the callback."""
    await session.execute(delete(ConsoleSignIn).where(col(ConsoleSignIn.expires_at) <= now))
    pending = PendingSignIn(
        flow=secrets.token_urlsafe(32),
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(64),
    )
    session.add(
        ConsoleSignIn(
            flow_hash=token_hash(pending.flow),
            state=pending.state,
            nonce=pending.nonce,
            verifier=pending.verifier,
            next_path=next_path,
            expires_at=now + ttl,
        )
    )
    return pending


async def take_sign_in(session: AsyncSession, flow: str, now: datetime) -> ConsoleSignIn | None:
    """The sign-in of this flow cookie, removed as it is taken (a callback is answered once); None if unknown,
    already used or expired."""
    statement = delete(ConsoleSignIn).where(col(ConsoleSignIn.flow_hash) == token_hash(flow)).returning(ConsoleSignIn)
    row = (await session.execute(statement)).scalar_one_or_none()
    return row if row is not None and row.expires_at > now else None
