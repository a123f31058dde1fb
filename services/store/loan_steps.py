"""Writing what a loan's workflow accepted: the read-model row (the state and its summary, as the workflow computed
it), each timeline event once and its audit record, the repayment schedule, the pledge holds on the loan's assets,
and a disposal's step. Called by the worker's activities inside one transaction each, so a step is
written whole or not at all. Reading loans is services/store/loans."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import TextClause, bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contracts.disposal import DisposalState
from contracts.loan_activities import LoanEventRecord, ScheduleLineModel
from contracts.loan_state import LoanState, LoanSummary, Waiting
from services.store.audit import CHAIN_HEAD_SQL, AuditEntry, ChainHead, append_audit, append_to_chain
from services.store.tables import Loan, LoanEvent, PledgeHold, ScheduleLine, table_of

# The statements a step writes are built once: executed with plain parameters they hit SQLAlchemy's compiled
# cache and skip the ORM's bulk layer (a step's persistence runs inside the workflow task, so it is on the
# latency path of every step).
_EVENT = table_of(LoanEvent)
_LINE = table_of(ScheduleLine)

# The columns `record_step` writes; `disposal` belongs to the DisposalWorkflow and is never overwritten here.
READ_MODEL_COLUMNS = (
    "id", "enterprise_id", "enterprise_name", "district", "bank_id", "station_id", "valuer_id", "guarantor_id",
    "insurer_id", "stage", "opened_at", "updated_at", "step_count", "requested_amount", "max_loan", "approved_amount",
    "disbursed_amount", "outstanding_principal", "classification", "overdue_since", "waiting_on", "state",
)  # fmt: skip


_READ_MODEL_KEYS = frozenset(READ_MODEL_COLUMNS)
_JSON_COLUMNS = frozenset({"waiting_on", "state"})  # passed as JSON text
_EVENT_COLUMNS = (
    "loan_id", "event_key", "kind", "stage", "summary", "actor_sub", "actor_role", "actor_org", "occurred_at",
    "request_id", "data",
)  # fmt: skip


def _record_step_statement() -> TextClause:
    """One round trip for a loan step: upsert the read-model row, append the timeline event (its seq taken in the
    same statement), and, only when the event is new, lock the loan's audit chain and return its last link.

    - An older step retried late does not overwrite a newer row (`step_count`).
    - A step already recorded (same event key) inserts nothing and returns no row, so the audit chain is not
      touched either: the `head` CTE is evaluated only through RETURNING.
    - One loan's steps are written one at a time (its workflow persists each step before taking the next); a
      disposal step of the same loan written at the same instant may take the same next seq, and then the later
      transaction fails on `uq_loan_event_seq` and is retried by its activity.
    - `state`, `waiting_on` and `event_data` are JSON text (the state is serialised once, by Pydantic, not dumped to
      a dict and then encoded again).
    """
    updated = [name for name in READ_MODEL_COLUMNS if name not in ("id", "opened_at")]
    loan_values = [f"CAST(:{name} AS jsonb)" if name in _JSON_COLUMNS else f":{name}" for name in READ_MODEL_COLUMNS]
    event_values = [f"CAST(:event_{name} AS jsonb)" if name == "data" else f":event_{name}" for name in _EVENT_COLUMNS]
    return text(
        f"""
        WITH upserted AS (
            INSERT INTO loan ({", ".join(READ_MODEL_COLUMNS)})
            VALUES ({", ".join(loan_values)})
            ON CONFLICT (id) DO UPDATE SET {", ".join(f"{name} = excluded.{name}" for name in updated)}
            WHERE loan.step_count <= excluded.step_count
        ), head AS ({CHAIN_HEAD_SQL.format(chain=":audit_chain")})
        INSERT INTO loan_event (seq, {", ".join(_EVENT_COLUMNS)})
        VALUES (
            (SELECT coalesce(max(seq), 0) + 1 FROM loan_event WHERE loan_id = :event_loan_id),
            {", ".join(event_values)}
        )
        ON CONFLICT ON CONSTRAINT uq_loan_event_key DO NOTHING
        RETURNING id, (SELECT seq FROM head) AS head_seq, (SELECT hash FROM head) AS head_hash
        """  # noqa: S608 - built from the column names above at import time; every value is a bound parameter
    )


_RECORD_STEP = _record_step_statement()

# A timeline event on its own (disposal steps): the next seq taken in the same statement.
_ADD_EVENT = (
    insert(_EVENT)
    .values(
        seq=select(func.coalesce(func.max(_EVENT.c.seq), 0) + 1)
        .where(_EVENT.c.loan_id == bindparam("timeline_of"))
        .scalar_subquery()
    )
    .on_conflict_do_nothing(constraint="uq_loan_event_key")
    .returning(_EVENT.c.id)
)


async def record_step(
    session: AsyncSession, row: dict[str, Any], event: LoanEvent, audit_chain: str
) -> ChainHead | None:
    """Write a loan step's read-model row (keys: READ_MODEL_COLUMNS, `state` and `waiting_on` as JSON text) and
    timeline event.

    Returns the head of `audit_chain`, locked for this transaction, when the event is new; None when the event
    was already recorded (a retried step): then no event is added and nothing is locked, and the row is only
    rewritten with what it already holds (or left alone if a newer step wrote it).
    """
    if row.keys() != _READ_MODEL_KEYS:  # a column missing from the statement would silently never update
        raise ValueError(f"read-model row keys differ from READ_MODEL_COLUMNS: {set(row) ^ _READ_MODEL_KEYS}")
    values = event.model_dump(include=set(_EVENT_COLUMNS))
    values["data"] = None if event.data is None else json.dumps(event.data, ensure_ascii=False)
    params = {**row, **{f"event_{name}": value for name, value in values.items()}, "audit_chain": audit_chain}
    recorded = (await session.execute(_RECORD_STEP, params)).first()
    return None if recorded is None else ChainHead.of(recorded.head_seq, recorded.head_hash)


def _upsert_line_statement() -> Any:
    statement = insert(_LINE)
    return statement.on_conflict_do_update(
        constraint="uq_schedule_line_seq",
        set_={
            name: statement.excluded[name]
            for name in ("period_start", "due_date", "principal", "interest", "paid_principal", "paid_interest")
        },
    )


_UPSERT_LINE = _upsert_line_statement()


async def add_event(session: AsyncSession, event: LoanEvent) -> bool:
    """Append a timeline event; False when an event with this key was already recorded."""
    values = event.model_dump(exclude={"id", "seq"})
    inserted = await session.execute(_ADD_EVENT, {**values, "timeline_of": event.loan_id})
    return inserted.scalar_one_or_none() is not None


_WAITING_JSON = TypeAdapter(list[Waiting])


def read_model_row(state: LoanState, summary: LoanSummary, now: datetime) -> dict[str, object]:
    """The loan table's columns (READ_MODEL_COLUMNS): the state's summary (as its workflow computed it), `state`
    itself and `waiting_on` as JSON text."""
    return {
        "id": state.loan_id,
        "enterprise_id": state.enterprise_id,
        "enterprise_name": state.enterprise_name,
        "district": state.district.value,
        "bank_id": summary.bank_id,
        "station_id": state.station_id,
        "valuer_id": summary.valuer_id,
        "guarantor_id": summary.guarantor_id,
        "insurer_id": summary.insurer_id,
        "stage": summary.stage.value,
        "opened_at": state.opened.at,
        "updated_at": now,
        "step_count": state.step_count,
        "requested_amount": summary.requested_amount,
        "max_loan": summary.max_loan,
        "approved_amount": summary.approved_amount,
        "disbursed_amount": summary.disbursed_amount,
        "outstanding_principal": summary.outstanding_principal,
        "classification": summary.classification.value if summary.classification else None,
        "overdue_since": summary.overdue_since,
        "waiting_on": _WAITING_JSON.dump_json(state.waiting_on).decode(),
        "state": state.model_dump_json(),
    }


def schedule_line(
    loan_id: str,
    seq: int,
    period_start: date,
    due_date: date,
    principal: Decimal,
    interest: Decimal,
    paid_principal: Decimal = Decimal("0.00"),
    paid_interest: Decimal = Decimal("0.00"),
) -> ScheduleLine:
    return ScheduleLine(
        loan_id=loan_id,
        seq=seq,
        period_start=period_start,
        due_date=due_date,
        principal=principal,
        interest=interest,
        paid_principal=paid_principal,
        paid_interest=paid_interest,
    )


async def replace_schedule(session: AsyncSession, lines: Sequence[ScheduleLine]) -> None:
    """Write a loan's schedule as its ledger now stands (each line names its loan and keeps its seq; amounts and
    payments are replaced)."""
    if not lines:
        return
    await session.execute(_UPSERT_LINE, [line.model_dump(exclude={"id"}) for line in lines])


async def set_disposal(session: AsyncSession, loan_id: str, disposal: dict[str, Any]) -> None:
    await session.execute(update(Loan).where(col(Loan.id) == loan_id).values(disposal=disposal))


@dataclass(frozen=True)
class HeldElsewhere:
    asset_id: str
    loan_id: str


async def hold_assets(
    session: AsyncSession, loan_id: str, asset_ids: Sequence[str], now: datetime
) -> HeldElsewhere | None:
    """Hold the assets for this loan; returns the first asset another open loan holds (and holds nothing)."""
    existing = (
        (
            await session.execute(
                select(PledgeHold).where(col(PledgeHold.asset_id).in_(asset_ids), col(PledgeHold.released_at).is_(None))
            )
        )
        .scalars()
        .all()
    )
    for hold in existing:
        if hold.loan_id != loan_id:
            return HeldElsewhere(hold.asset_id, hold.loan_id)
    mine = {hold.asset_id for hold in existing}
    for asset_id in asset_ids:
        if asset_id not in mine:
            session.add(PledgeHold(asset_id=asset_id, loan_id=loan_id, held_at=now))
    await session.flush()
    return None


async def release_assets(session: AsyncSession, loan_id: str, now: datetime) -> None:
    await session.execute(
        update(PledgeHold)
        .where(col(PledgeHold.loan_id) == loan_id, col(PledgeHold.released_at).is_(None))
        .values(released_at=now)
    )


def _event(loan_id: str, stage: str, record: LoanEventRecord) -> LoanEvent:
    return LoanEvent(
        loan_id=loan_id,
        seq=0,
        event_key=record.key,
        kind=record.kind,
        stage=stage,
        summary=record.summary,
        actor_sub=record.actor.sub,
        actor_role=record.actor.role.value,
        actor_org=record.actor.org_id,
        occurred_at=record.at,
        request_id=record.request_id,
        data=record.data,
    )


def _audit(loan_id: str, record: LoanEventRecord, details: dict[str, object], trace_id: str | None) -> AuditEntry:
    """Keyed by the event, so a retry appends nothing twice."""
    return AuditEntry(
        actor_sub=record.actor.sub,
        actor_role=record.actor.role.value,
        actor_org=record.actor.org_id,
        action=f"loan.{record.kind}",
        target_type="loan",
        target_id=loan_id,
        payload_digest=record.payload_digest,
        request_id=record.request_id,
        trace_id=trace_id,
        details=details,
        dedup_key=record.key,
    )


async def write_loan_step(
    session: AsyncSession,
    state: LoanState,
    summary: LoanSummary,
    events: Sequence[LoanEventRecord],
    schedule: Sequence[ScheduleLineModel] | None,
    now: datetime,
    trace_id: str | None,
) -> bool:
    """Write one accepted step (its events in order, the row once); False when a retry finds it all written.

    No lock of our own: one loan's steps arrive one at a time (the workflow persists each step before taking the
    next), and the loan's audit chain is locked by `record_step` for a new event."""
    row = read_model_row(state, summary, now)
    stage = state.stage.value
    written = False
    for record in events:
        # One statement writes the row and the event and, for a new event, locks the loan's audit chain.
        head = await record_step(session, row, _event(state.loan_id, stage, record), f"loan:{state.loan_id}")
        if head is None:  # already recorded: a retry after the first attempt committed
            continue
        audit = _audit(state.loan_id, record, {"stage": stage}, trace_id)
        await append_to_chain(session, audit, head, now=record.at)
        written = True
    if not written:
        return False
    if schedule:
        lines = [schedule_line(state.loan_id, **line.model_dump()) for line in schedule]
        await replace_schedule(session, lines)
    if state.stage.is_terminal:
        await release_assets(session, state.loan_id, now)
    return True


async def write_disposal_step(
    session: AsyncSession, state: DisposalState, record: LoanEventRecord, trace_id: str | None
) -> bool:
    """Write a disposal step on its loan's timeline and audit chain, and the disposal's state on the loan row;
    False when a retry finds it written."""
    if not await add_event(session, _event(state.loan_id, state.loan_stage.value, record)):
        return False
    audit = _audit(state.loan_id, record, {"disposal_step": state.step}, trace_id)
    await append_audit(session, audit, now=record.at)
    await set_disposal(session, state.loan_id, state.model_dump(mode="json"))
    return True
