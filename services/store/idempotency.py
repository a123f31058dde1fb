"""Storage of `Idempotency-Key` records: claim a key, complete it with the response, or release it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.store.tables import IdempotencyRecord


@dataclass(frozen=True)
class Claim:
    """The outcome of claiming a key: ours to act on (`record_id`), or someone's earlier record."""

    record_id: int | None
    existing: IdempotencyRecord | None


async def claim_key(
    session: AsyncSession, *, caller: str, key: str, digest: str, now: datetime, stale_before: datetime
) -> Claim:
    """Insert a pending record for (caller, key); if one exists, return it instead.

    A pending record older than `stale_before` belongs to a request that died mid-way; it is taken over.
    """
    inserted = await session.execute(
        insert(IdempotencyRecord)
        .values(caller=caller, key=key, request_digest=digest, created_at=now)
        .on_conflict_do_nothing(constraint="uq_idempotency_caller_key")
        .returning(col(IdempotencyRecord.id))
    )
    new_id = inserted.scalar_one_or_none()
    if new_id is not None:
        return Claim(record_id=new_id, existing=None)
    existing = (
        await session.execute(
            select(IdempotencyRecord)
            .where(col(IdempotencyRecord.caller) == caller, col(IdempotencyRecord.key) == key)
            .with_for_update()
        )
    ).scalar_one()
    if existing.completed_at is None and existing.created_at < stale_before and existing.request_digest == digest:
        existing.created_at = now
        await session.flush()
        return Claim(record_id=existing.id, existing=None)
    return Claim(record_id=None, existing=existing)


async def complete_key(
    session: AsyncSession, record_id: int, *, status_code: int, content_type: str | None, body: bytes, now: datetime
) -> None:
    await session.execute(
        update(IdempotencyRecord)
        .where(col(IdempotencyRecord.id) == record_id)
        .values(status_code=status_code, content_type=content_type, response_body=body, completed_at=now)
    )


async def release_key(session: AsyncSession, record_id: int) -> None:
    """Forget a pending key whose request failed on our side, so that a retry may act."""
    await session.execute(delete(IdempotencyRecord).where(col(IdempotencyRecord.id) == record_id))
