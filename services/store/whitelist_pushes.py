"""The pushes' SQL: the write of a push's step (row, timeline event and audit record, once), and the lists — by
district or bank, by status — with each bank's conversion from push to disbursed loan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contracts.loan_activities import LoanEventRecord
from contracts.whitelist_push import PushState, PushStatus
from services.store.audit import AuditEntry, append_audit
from services.store.tables import Loan, table_of
from services.store.whitelist_tables import WhitelistPush, WhitelistPushEvent

_PUSH = table_of(WhitelistPush)
_EVENT = table_of(WhitelistPushEvent)


async def write_push_step(session: AsyncSession, state: PushState, record: LoanEventRecord, now: datetime) -> bool:
    """One accepted step in the caller's transaction: the row (a late retry of an older step never overwrites a newer
    row), the event once and its audit record; False when a retry finds the event written."""
    row = {
        "id": state.push_id,
        "district": state.district.value,
        "credit_code": state.credit_code,
        "enterprise_name": state.enterprise_name,
        "bank_id": state.bank_id,
        "status": state.status.value,
        "remind_on": state.remind_on,
        "loan_id": state.loan_id,
        "pushed_at": state.pushed.at,
        "updated_at": now,
        "step_count": state.step_count,
        "state": state.model_dump(mode="json"),
    }
    upsert = insert(_PUSH).values(row)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[_PUSH.c.id],
            set_={name: upsert.excluded[name] for name in row if name not in ("id", "pushed_at")},
            where=_PUSH.c.step_count <= upsert.excluded.step_count,
        )
    )
    added = await session.execute(
        insert(_EVENT)
        .values(
            push_id=state.push_id,
            event_key=record.key,
            kind=record.kind,
            summary=record.summary,
            actor_sub=record.actor.sub,
            actor_org=record.actor.org_id,
            occurred_at=record.at,
        )
        .on_conflict_do_nothing(constraint="uq_whitelist_push_event_key")
        .returning(_EVENT.c.id)
    )
    if added.first() is None:
        return False
    entry = AuditEntry(
        actor_sub=record.actor.sub,
        actor_role=record.actor.role.value,
        actor_org=record.actor.org_id,
        action=f"whitelist_push.{record.kind}",
        target_type="whitelist_push",
        target_id=state.push_id,
        payload_digest=record.payload_digest,
        request_id=record.request_id,
        trace_id=None,
    )
    await append_audit(session, entry)
    return True


async def get_push(session: AsyncSession, push_id: str) -> WhitelistPush | None:
    return await session.get(WhitelistPush, push_id, populate_existing=True)


async def open_push(session: AsyncSession, district: str, credit_code: str, bank_id: str) -> WhitelistPush | None:
    """The push of this enterprise to this bank still waiting for its answer, if any."""
    query = select(WhitelistPush).where(
        col(WhitelistPush.district) == district,
        col(WhitelistPush.credit_code) == credit_code,
        col(WhitelistPush.bank_id) == bank_id,
        col(WhitelistPush.status).in_([PushStatus.WAITING.value, PushStatus.OVERDUE.value]),
    )
    return (await session.execute(query.limit(1))).scalars().first()


async def list_pushes(
    session: AsyncSession, *, district: str | None, bank_id: str | None, status: str | None, limit: int
) -> Sequence[WhitelistPush]:
    query = select(WhitelistPush)
    if district is not None:
        query = query.where(col(WhitelistPush.district) == district)
    if bank_id is not None:
        query = query.where(col(WhitelistPush.bank_id) == bank_id)
    if status is not None:
        query = query.where(col(WhitelistPush.status) == status)
    query = query.order_by(col(WhitelistPush.pushed_at).desc(), col(WhitelistPush.id)).limit(limit)
    return (await session.execute(query)).scalars().all()


@dataclass(frozen=True)
class Conversion:
    bank_id: str
    pushed: int
    waiting: int
    accepted: int
    declined: int
    disbursed: int


async def conversion(session: AsyncSession, district: str | None) -> list[Conversion]:
    """Per bank: pushes made, still waiting (overdue included), accepted, declined, and turned into a disbursed loan."""
    status = col(WhitelistPush.status)
    query = (
        select(
            col(WhitelistPush.bank_id),
            func.count(),
            func.count().filter(status.in_([PushStatus.WAITING.value, PushStatus.OVERDUE.value])),
            func.count().filter(status == PushStatus.ACCEPTED.value),
            func.count().filter(status == PushStatus.DECLINED.value),
            func.sum(case((col(Loan.disbursed_amount).is_not(None), 1), else_=0)),
        )
        .select_from(WhitelistPush)
        .outerjoin(Loan, col(Loan.id) == col(WhitelistPush.loan_id))
        .group_by(col(WhitelistPush.bank_id))
        .order_by(col(WhitelistPush.bank_id))
    )
    if district is not None:
        query = query.where(col(WhitelistPush.district) == district)
    return [
        Conversion(b, int(p), int(w), int(a), int(d), int(x or 0))
        for b, p, w, a, d, x in (await session.execute(query)).all()
    ]
