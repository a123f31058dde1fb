"""The append-only audit trail: each record carries the hash of the previous record of its chain.

One chain per loan or other target (`loan:<id>`, `organisation:<id>`), so writers of different chains never
wait for each other: appending takes a transaction-scoped advisory lock on the chain alone (`audit_chain_head`,
a database function that locks the chain and reads its last link in one round trip). The table refuses
UPDATE, DELETE and TRUNCATE (a trigger from the migrations), and `verify_chains` recomputes every hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.domain.digest import canonical_json, payload_digest
from services.store.tables import AuditRecord, table_of

GENESIS_HASH = "0" * 64


__all__ = ["canonical_json", "payload_digest"]  # kept importable here: the digest is the domain's


@dataclass(frozen=True)
class AuditEntry:
    """What to record: who did what to which target, in which request and trace."""

    actor_sub: str
    actor_role: str
    actor_org: str
    action: str
    target_type: str
    target_id: str
    payload_digest: str
    request_id: str | None = None
    trace_id: str | None = None
    details: Mapping[str, Any] | None = None
    dedup_key: str | None = None

    @property
    def chain(self) -> str:
        return f"{self.target_type}:{self.target_id}"


def record_hash(record: AuditRecord) -> str:
    """The hash of a record's content together with the hash of its predecessor."""
    content = {
        "chain": record.chain,
        "seq": record.seq,
        "occurred_at": record.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_sub": record.actor_sub,
        "actor_role": record.actor_role,
        "actor_org": record.actor_org,
        "action": record.action,
        "target_type": record.target_type,
        "target_id": record.target_id,
        "request_id": record.request_id,
        "trace_id": record.trace_id,
        "payload_digest": record.payload_digest,
        "details": record.details,
        "dedup_key": record.dedup_key,
        "prev_hash": record.prev_hash,
    }
    return hashlib.sha256(canonical_json(content)).hexdigest()


_AUDIT = table_of(AuditRecord)
# Locks the chain (transaction-scoped advisory lock, so writers of other chains never wait) and reads its last
# link with a snapshot taken after the lock: one round trip (the function is in migration 0004).
CHAIN_HEAD_SQL = "SELECT seq, hash FROM audit_chain_head({chain})"
_CHAIN_HEAD = text(CHAIN_HEAD_SQL.format(chain=":chain"))
# A second append with the same dedup_key to the same chain inserts nothing (the partial unique index).
_INSERT_RECORD = (
    insert(_AUDIT)
    .on_conflict_do_nothing(
        index_elements=[_AUDIT.c.chain, _AUDIT.c.dedup_key], index_where=text("dedup_key IS NOT NULL")
    )
    .returning(_AUDIT.c.id)
)


@dataclass(frozen=True)
class ChainHead:
    """The last link of a chain as read under the chain's lock: (0, GENESIS_HASH) for an empty chain."""

    seq: int = 0
    hash: str = GENESIS_HASH

    @classmethod
    def of(cls, seq: int | None, hash_: str | None) -> ChainHead:
        return cls(seq, hash_) if seq is not None and hash_ is not None else cls()


async def append_audit(session: AsyncSession, entry: AuditEntry, *, now: datetime | None = None) -> AuditRecord:
    """Append one record to its chain inside the caller's transaction.

    With a `dedup_key`, a second append of the same key to the same chain returns the first record instead.
    The chain stays locked until the caller's transaction ends.
    """
    head = (await session.execute(_CHAIN_HEAD, {"chain": entry.chain})).one()
    return await append_to_chain(session, entry, ChainHead.of(head.seq, head.hash), now=now)


async def append_to_chain(
    session: AsyncSession, entry: AuditEntry, head: ChainHead, *, now: datetime | None = None
) -> AuditRecord:
    """Append after `head`, which this transaction read with `audit_chain_head` (so the chain is locked).

    For writers that fold the lock and read into a statement of their own (a loan step does, see
    `services.store.loan_steps.record_step`). The statement is built once (compiled-cache hits).
    """
    record = AuditRecord(
        chain=entry.chain,
        seq=head.seq + 1,
        occurred_at=now or datetime.now(UTC),
        actor_sub=entry.actor_sub,
        actor_role=entry.actor_role,
        actor_org=entry.actor_org,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        request_id=entry.request_id,
        trace_id=entry.trace_id,
        payload_digest=entry.payload_digest,
        details=dict(entry.details) if entry.details is not None else None,
        dedup_key=entry.dedup_key,
        prev_hash=head.hash,
        hash="",
    )
    record.hash = record_hash(record)
    record.id = (await session.execute(_INSERT_RECORD, record.model_dump(exclude={"id"}))).scalar_one_or_none()
    if record.id is None:  # skipped: only a duplicate dedup_key does that
        existing = await find_by_dedup_key(session, entry.chain, entry.dedup_key or "")
        if existing is None:
            raise RuntimeError(f"audit record of {entry.chain} was neither inserted nor found by its dedup_key")
        return existing
    return record


@dataclass(frozen=True)
class BrokenLink:
    """The first record of a chain whose hash or link does not check out."""

    chain: str
    seq: int
    record_id: int | None
    reason: str


@dataclass(frozen=True)
class VerifyResult:
    chains: int
    records: int
    broken: list[BrokenLink]

    @property
    def ok(self) -> bool:
        return not self.broken


async def verify_chains(session: AsyncSession, *, batch_size: int = 5000) -> VerifyResult:
    """Recompute every chain; report, per chain, the first broken link."""
    broken: dict[str, BrokenLink] = {}
    expected: dict[str, tuple[int, str]] = {}  # chain -> (next seq, prev hash)
    records = 0
    after: tuple[str, int] = ("", 0)
    while True:
        rows = (
            (
                await session.execute(
                    select(AuditRecord)
                    .where(tuple_(col(AuditRecord.chain), col(AuditRecord.seq)) > tuple_(*after))
                    .order_by(col(AuditRecord.chain), col(AuditRecord.seq))
                    .limit(batch_size)
                    # Read what the database holds, not objects this session already has in memory.
                    .execution_options(populate_existing=True)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for record in rows:
            records += 1
            after = (record.chain, record.seq)
            if record.chain in broken:
                continue
            next_seq, prev_hash = expected.get(record.chain, (1, GENESIS_HASH))
            reason = None
            if record.seq != next_seq:
                reason = f"expected record {next_seq} of the chain, found {record.seq} (a record is missing)"
            elif record.prev_hash != prev_hash:
                reason = "prev_hash does not match the previous record's hash"
            elif record_hash(record) != record.hash:
                reason = "the record's content does not match its hash (it was altered)"
            if reason is not None:
                broken[record.chain] = BrokenLink(record.chain, record.seq, record.id, reason)
            else:
                expected[record.chain] = (record.seq + 1, record.hash)
        session.expunge_all()
    chains = len(expected.keys() | broken.keys())
    return VerifyResult(chains=chains, records=records, broken=sorted(broken.values(), key=lambda b: b.chain))


async def list_audit(session: AsyncSession, chain: str) -> list[AuditRecord]:
    rows = await session.execute(
        select(AuditRecord).where(col(AuditRecord.chain) == chain).order_by(col(AuditRecord.seq))
    )
    return list(rows.scalars().all())


async def find_by_dedup_key(session: AsyncSession, chain: str, dedup_key: str) -> AuditRecord | None:
    query = select(AuditRecord).where(
        col(AuditRecord.chain) == chain,
        col(AuditRecord.dedup_key) == dedup_key,
    )
    return (await session.execute(query)).scalar_one_or_none()
