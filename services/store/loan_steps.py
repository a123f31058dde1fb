"""Writing what a loan's workflow accepted: the read-model row, each timeline event once and its audit record, the
repayment schedule, and the held assets freed when the loan ends; and a disposal's step. Called by the worker's
activities inside one transaction each, so a step is written whole or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.disposal import DisposalState
from contracts.loan_activities import LoanEventRecord, ScheduleLineModel
from contracts.loan_state import LoanState
from services.store import loans as repository
from services.store.audit import AuditEntry, append_audit, append_to_chain
from services.store.read_model import read_model_row
from services.store.tables import LoanEvent


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
    events: Sequence[LoanEventRecord],
    schedule: Sequence[ScheduleLineModel] | None,
    now: datetime,
    trace_id: str | None,
) -> bool:
    """Write one accepted step (its events in order, the row once); False when a retry finds it all written.

    No lock of our own: one loan's steps arrive one at a time (the workflow persists each step before taking the
    next), and the loan's audit chain is locked by `record_step` for a new event."""
    row = read_model_row(state, now)
    stage = state.stage.value
    written = False
    for record in events:
        # One statement writes the row and the event and, for a new event, locks the loan's audit chain.
        head = await repository.record_step(session, row, _event(state.loan_id, stage, record), f"loan:{state.loan_id}")
        if head is None:  # already recorded: a retry after the first attempt committed
            continue
        audit = _audit(state.loan_id, record, {"stage": stage}, trace_id)
        await append_to_chain(session, audit, head, now=record.at)
        written = True
    if not written:
        return False
    if schedule:
        lines = [repository.schedule_line(state.loan_id, **line.model_dump()) for line in schedule]
        await repository.replace_schedule(session, lines)
    if state.stage.is_terminal:
        await repository.release_assets(session, state.loan_id, now)
    return True


async def write_disposal_step(
    session: AsyncSession, state: DisposalState, record: LoanEventRecord, trace_id: str | None
) -> bool:
    """Write a disposal step on its loan's timeline and audit chain, and the disposal's state on the loan row;
    False when a retry finds it written."""
    if not await repository.add_event(session, _event(state.loan_id, state.loan_stage.value, record)):
        return False
    audit = _audit(state.loan_id, record, {"disposal_step": state.step}, trace_id)
    await append_audit(session, audit, now=record.at)
    await repository.set_disposal(session, state.loan_id, state.model_dump(mode="json"))
    return True
