"""Storage of `Idempotency-Key` records: claim a key, complete it with the response, or release it.

A claim holds a key for one request, under a token of its own. Only the holder of the current token completes or
releases the key, and a completed key is never written again: one key, one answer. A pending key whose lease ran
out (its request is surely over: requests are bounded well below the lease) is taken over by the next retry under
a new token, or swept by `release_abandoned`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.store.tables import IdempotencyRecord


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: ours to act on (`record_id` and `token`), or someone's earlier record."""

    record_id: int | None
    existing: IdempotencyRecord | None
    token: str = ""


@dataclass(frozen=True)
class Held:
    """A pending key held by a request: what completing or releasing it needs."""

    record_id: int
    token: str
    caller: str
    key: str
    digest: str


async def claim_key(
    session: AsyncSession, *, caller: str, key: str, digest: str, now: datetime, stale_before: datetime
) -> Claim:
    """Insert a pending record for (caller, key) under a new token; if one exists, return it instead.

    A pending record created before `stale_before` belongs to a request that is over (it died with its process):
    the same request takes it over under a new token.
    """
    token = uuid.uuid4().hex
    existing: IdempotencyRecord | None = None
    while existing is None:  # the record may be released between our insert and our read: then insert again
        inserted = await session.execute(
            insert(IdempotencyRecord)
            .values(caller=caller, key=key, request_digest=digest, created_at=now, claim_token=token)
            .on_conflict_do_nothing(constraint="uq_idempotency_caller_key")
            .returning(col(IdempotencyRecord.id))
        )
        new_id = inserted.scalar_one_or_none()
        if new_id is not None:
            return Claim(record_id=new_id, existing=None, token=token)
        existing = (
            await session.execute(
                select(IdempotencyRecord)
                .where(col(IdempotencyRecord.caller) == caller, col(IdempotencyRecord.key) == key)
                .with_for_update()
            )
        ).scalar_one_or_none()
    if existing.completed_at is None and existing.created_at < stale_before and existing.request_digest == digest:
        existing.created_at = now
        existing.claim_token = token
        await session.flush()
        return Claim(record_id=existing.id, existing=None, token=token)
    return Claim(record_id=None, existing=existing)


async def complete_key(
    session: AsyncSession, held: Held, *, status_code: int, content_type: str | None, body: bytes, now: datetime
) -> bool:
    """Store the answer under the key, once. False when the key is no longer ours (taken over, or answered).

    If the pending record is gone (swept while the database was away and this answer waited), the answer is stored
    afresh, unless a retry has claimed the key meanwhile."""
    stored = await session.execute(
        update(IdempotencyRecord)
        .where(
            col(IdempotencyRecord.id) == held.record_id,
            col(IdempotencyRecord.claim_token) == held.token,
            col(IdempotencyRecord.completed_at).is_(None),
        )
        .values(status_code=status_code, content_type=content_type, response_body=body, completed_at=now)
        .returning(col(IdempotencyRecord.id))
    )
    if stored.scalar_one_or_none() is not None:
        return True
    inserted = await session.execute(
        insert(IdempotencyRecord)
        .values(
            caller=held.caller,
            key=held.key,
            request_digest=held.digest,
            created_at=now,
            completed_at=now,
            status_code=status_code,
            content_type=content_type,
            response_body=body,
            claim_token=held.token,
        )
        .on_conflict_do_nothing(constraint="uq_idempotency_caller_key")
        .returning(col(IdempotencyRecord.id))
    )
    return inserted.scalar_one_or_none() is not None


async def release_key(session: AsyncSession, held: Held) -> None:
    """Forget a pending key whose request failed transiently (5xx), so that a retry may act; only if still ours."""
    await session.execute(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.id) == held.record_id,
            col(IdempotencyRecord.claim_token) == held.token,
            col(IdempotencyRecord.completed_at).is_(None),
        )
    )


async def release_abandoned(session: AsyncSession, *, created_before: datetime) -> int:
    """Forget pending keys whose lease ran out: their requests died with their process and no retry came back.
    A retry that comes later acts again, which is safe: it sends the same workflow update id."""
    swept = await session.execute(
        delete(IdempotencyRecord)
        .where(col(IdempotencyRecord.completed_at).is_(None), col(IdempotencyRecord.created_at) < created_before)
        .returning(col(IdempotencyRecord.id))
    )
    return len(swept.all())


async def pending_count(session: AsyncSession) -> int:
    query = select(func.count()).where(col(IdempotencyRecord.completed_at).is_(None))
    return int((await session.execute(query)).scalar_one())
