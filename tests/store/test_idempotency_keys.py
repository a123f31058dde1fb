"""Idempotency-Key records: one key, one answer; only the holder of a claim settles it; abandoned keys are swept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.store import idempotency as keys
from services.store.tables import IdempotencyRecord

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
DIGEST = "d" * 64


async def claim(db: AsyncSession, now: datetime, key: str = "k") -> keys.Claim:
    return await keys.claim_key(db, caller="boc/clerk", key=key, digest=DIGEST, now=now, stale_before=now - LEASE)


def held(claimed: keys.Claim, key: str = "k") -> keys.Held:
    assert claimed.record_id is not None
    return keys.Held(claimed.record_id, claimed.token, "boc/clerk", key, DIGEST)


async def complete(db: AsyncSession, holder: keys.Held, body: bytes) -> bool:
    return await keys.complete_key(db, holder, status_code=200, content_type="application/json", body=body, now=NOW)


class TestClaim:
    async def test_a_pending_key_is_not_taken_over_within_its_lease(self, db: AsyncSession) -> None:
        first = await claim(db, NOW)
        again = await claim(db, NOW + LEASE - timedelta(seconds=1))
        assert first.record_id is not None
        assert again.record_id is None
        assert again.existing is not None
        assert again.existing.completed_at is None  # answered 409 in flight

    async def test_after_its_lease_a_retry_takes_it_over_under_a_new_token(self, db: AsyncSession) -> None:
        first = await claim(db, NOW)
        retry = await claim(db, NOW + LEASE + timedelta(seconds=1))
        assert retry.record_id == first.record_id
        assert retry.token != first.token


class TestOneAnswer:
    async def test_the_first_holder_cannot_overwrite_the_answer_of_the_one_that_took_over(
        self, db: AsyncSession
    ) -> None:
        first = await claim(db, NOW)
        retry = await claim(db, NOW + LEASE + timedelta(seconds=1))
        assert await complete(db, held(retry), b'{"answer":"retry"}')
        assert not await complete(db, held(first), b'{"answer":"late first"}')
        await keys.release_key(db, held(first))  # a late release is ignored too
        record = await db.get(IdempotencyRecord, retry.record_id, populate_existing=True)
        assert record is not None
        assert record.response_body == b'{"answer":"retry"}'

    async def test_a_completed_key_is_never_written_again(self, db: AsyncSession) -> None:
        first = await claim(db, NOW)
        assert await complete(db, held(first), b"one")
        assert not await complete(db, held(first), b"two")
        record = await db.get(IdempotencyRecord, first.record_id, populate_existing=True)
        assert record is not None
        assert record.response_body == b"one"

    async def test_an_answer_whose_pending_key_was_swept_is_stored_afresh(self, db: AsyncSession) -> None:
        first = await claim(db, NOW)
        assert await keys.release_abandoned(db, created_before=NOW + 2 * LEASE) == 1
        assert await complete(db, held(first), b"answered while the database was away")
        assert await keys.pending_count(db) == 0

    async def test_unless_a_retry_has_claimed_the_key_meanwhile(self, db: AsyncSession) -> None:
        first = await claim(db, NOW)
        await keys.release_abandoned(db, created_before=NOW + 2 * LEASE)
        retry = await claim(db, NOW + 2 * LEASE)
        assert not await complete(db, held(first), b"late")
        assert await complete(db, held(retry), b"retry")


class TestSweep:
    async def test_only_keys_past_the_cut_off_and_still_pending_are_released(self, db: AsyncSession) -> None:
        old = await claim(db, NOW, key="old")
        answered = await claim(db, NOW, key="answered")
        await complete(db, held(answered, "answered"), b"kept")
        await claim(db, NOW + LEASE, key="recent")
        assert await keys.release_abandoned(db, created_before=NOW + timedelta(seconds=1)) == 1
        assert await db.get(IdempotencyRecord, old.record_id, populate_existing=True) is None
        assert await keys.pending_count(db) == 1  # "recent"
