"""Activities of the loan lifecycle: persist accepted steps (read model, timeline, audit) and hold assets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.disposal import RecordDisposalStepInput
from contracts.loans import ASSET_ALREADY_PLEDGED, Actor, HoldAssetsInput, LoanState, RecordLoanStepInput
from services.platform.faults import crash_point
from services.platform.telemetry import current_trace_id
from services.store import loans as repository
from services.store.audit import AuditEntry, append_audit, append_to_chain
from services.store.tables import LoanEvent


def read_model_row(state: LoanState, now: datetime) -> dict[str, object]:
    """The loan table's columns, derived from the workflow's state (`state` itself as JSON text)."""
    return {
        "id": state.loan_id,
        "enterprise_id": state.enterprise_id,
        "district": state.district.value,
        "bank_id": state.bank_id,
        "station_id": state.station_id,
        "valuer_id": state.application.valuer_id if state.application else None,
        "guarantor_id": state.proposal.guarantor_id if state.proposal else None,
        "insurer_id": state.proposal.insurer_id if state.proposal else None,
        "stage": state.stage.value,
        "opened_at": state.opened.at,
        "updated_at": now,
        "step_count": state.step_count,
        "requested_amount": state.application.requested_amount if state.application else None,
        "max_loan": state.max_loan,
        "approved_amount": state.proposal.amount
        if state.decision and state.decision.approved and state.proposal
        else None,
        "disbursed_amount": state.disbursement.amount if state.disbursement else None,
        "outstanding_principal": state.servicing.ledger.outstanding_principal if state.servicing else None,
        "classification": state.servicing.tier.value if state.servicing else None,
        "overdue_since": state.servicing.overdue_since if state.servicing else None,
        "state": state.model_dump_json(),
    }


@dataclass(frozen=True)
class _Step:
    """What a step leaves behind besides the read model: its timeline event and its audit record."""

    loan_id: str
    stage: str
    key: str
    kind: str
    summary: str
    actor: Actor
    at: datetime
    request_id: str | None
    data: dict[str, object] | None
    payload_digest: str
    details: dict[str, object]

    def event(self) -> LoanEvent:
        return LoanEvent(
            loan_id=self.loan_id,
            seq=0,
            event_key=self.key,
            kind=self.kind,
            stage=self.stage,
            summary=self.summary,
            actor_sub=self.actor.sub,
            actor_role=self.actor.role.value,
            actor_org=self.actor.org_id,
            occurred_at=self.at,
            request_id=self.request_id,
            data=self.data,
        )

    def audit(self) -> AuditEntry:
        """Keyed by the event, so a retry appends nothing twice."""
        return AuditEntry(
            actor_sub=self.actor.sub,
            actor_role=self.actor.role.value,
            actor_org=self.actor.org_id,
            action=f"loan.{self.kind}",
            target_type="loan",
            target_id=self.loan_id,
            payload_digest=self.payload_digest,
            request_id=self.request_id,
            trace_id=current_trace_id(),
            details=self.details,
            dedup_key=self.key,
        )


class LoanActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @activity.defn(name="record_loan_step")
    async def record_loan_step(self, data: RecordLoanStepInput) -> bool:
        """Write the step in one transaction; a retry of a step already written changes nothing."""
        state, event = data.state, data.event
        now = datetime.now(UTC)
        # No lock of our own: one loan's steps reach here one at a time (the workflow persists each step before
        # taking the next), and the audit chain of the loan is locked by record_step.
        async with self.sessions() as session, session.begin():
            step = _Step(
                loan_id=state.loan_id,
                stage=state.stage.value,
                key=event.key,
                kind=event.kind,
                summary=event.summary,
                actor=event.actor,
                at=event.at,
                request_id=event.request_id,
                data=event.data,
                payload_digest=event.payload_digest,
                details={"stage": state.stage.value},
            )
            # One statement writes the row and the event and, for a new event, locks the loan's audit chain.
            head = await repository.record_step(
                session, read_model_row(state, now), step.event(), audit_chain=f"loan:{state.loan_id}"
            )
            if head is None:  # already recorded: a retry after the first attempt committed
                return False
            await append_to_chain(session, step.audit(), head, now=event.at)
            if data.schedule:
                await repository.replace_schedule(
                    session,
                    state.loan_id,
                    [
                        repository.schedule_line(
                            state.loan_id,
                            line.seq,
                            line.period_start,
                            line.due_date,
                            line.principal,
                            line.interest,
                            line.paid_principal,
                            line.paid_interest,
                        )
                        for line in data.schedule
                    ],
                )
            if state.stage.is_terminal:
                await repository.release_assets(session, state.loan_id, now)
        crash_point("record_loan_step.committed", event.kind)  # tests: written, and Temporal has not heard of it
        return True

    @activity.defn(name="record_disposal_step")
    async def record_disposal_step(self, data: RecordDisposalStepInput) -> bool:
        """A disposal step: the loan's `disposal` column, the loan's timeline and audit trail, written once."""
        state = data.state
        async with self.sessions() as session, session.begin():
            step = _Step(
                loan_id=state.loan_id,
                stage=state.loan_stage.value,
                key=data.key,
                kind=data.kind,
                summary=data.summary,
                actor=data.actor,
                at=datetime.now(UTC),
                request_id=data.request_id,
                data=data.data,
                payload_digest=data.payload_digest,
                details={"disposal_step": state.step},
            )
            if not await repository.add_event(session, step.event()):
                return False  # already recorded: a retry after the first attempt committed
            await append_audit(session, step.audit(), now=step.at)
            await repository.set_disposal(session, state.loan_id, state.model_dump(mode="json"))
        return True

    @activity.defn(name="hold_assets")
    async def hold_assets(self, data: HoldAssetsInput) -> None:
        """Hold the loan's assets, or fail (not retried) when another open loan holds one of them."""
        async with self.sessions() as session, session.begin():
            elsewhere = await repository.hold_assets(session, data.loan_id, data.asset_ids, datetime.now(UTC))
            if elsewhere is not None:
                raise ApplicationError(
                    f"asset {elsewhere.asset_id} is already pledged in open loan {elsewhere.loan_id}",
                    type=ASSET_ALREADY_PLEDGED,
                    non_retryable=True,
                )
