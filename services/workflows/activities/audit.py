"""The audit activity: appends what a workflow decided to the hash-chained audit trail."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from contracts.audit import AuditRecordResult, RecordAuditInput
from contracts.names import Activity
from services.platform.telemetry import current_trace_id
from services.store.audit import AuditEntry, append_audit


class AuditActivities:
    """Activities receive their dependencies once, in the worker."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @activity.defn(name=Activity.RECORD_AUDIT)
    async def record_audit(self, data: RecordAuditInput) -> AuditRecordResult:
        entry = AuditEntry(
            actor_sub=data.actor_sub,
            actor_role=data.actor_role,
            actor_org=data.actor_org,
            action=data.action,
            target_type=data.target_type,
            target_id=data.target_id,
            payload_digest=data.payload_digest,
            request_id=data.request_id,
            trace_id=current_trace_id(),
            details=data.details,
            dedup_key=data.dedup_key,
        )
        async with self.sessions() as session, session.begin():
            # A retried activity (the worker died after committing) appends once, thanks to dedup_key.
            record = await append_audit(session, entry)
            return AuditRecordResult(chain=record.chain, seq=record.seq, hash=record.hash)
