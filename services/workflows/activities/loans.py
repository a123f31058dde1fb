"""Activities of the loan lifecycle: persist accepted steps (read model, timeline, audit) and hold assets."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.disposal import RecordDisposalStepInput
from contracts.loans import ASSET_ALREADY_PLEDGED, Actor, HoldAssetsInput, LoanState, RecordLoanStepInput
from services.platform.telemetry import current_trace_id
from services.store import loans as repository
from services.store.audit import AuditEntry, append_audit
from services.store.tables import LoanEvent


def read_model_row(state: LoanState, now: datetime) -> dict[str, object]:
    """The loan table's columns, derived from the workflow's state."""
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
        "state": state.model_dump(mode="json"),
    }


async def _record_event(
    session: AsyncSession,
    *,
    loan_id: str,
    stage: str,
    key: str,
    kind: str,
    summary: str,
    actor: Actor,
    at: datetime,
    request_id: str | None,
    data: dict[str, object] | None,
    payload_digest: str,
    details: dict[str, object],
) -> bool:
    """A timeline event and its audit record, keyed so a retry writes neither twice; False if already written."""
    fresh = await repository.add_event(
        session,
        LoanEvent(
            loan_id=loan_id,
            seq=0,
            event_key=key,
            kind=kind,
            stage=stage,
            summary=summary,
            actor_sub=actor.sub,
            actor_role=actor.role.value,
            actor_org=actor.org_id,
            occurred_at=at,
            request_id=request_id,
            data=data,
        ),
    )
    if fresh:
        await append_audit(
            session,
            AuditEntry(
                actor_sub=actor.sub,
                actor_role=actor.role.value,
                actor_org=actor.org_id,
                action=f"loan.{kind}",
                target_type="loan",
                target_id=loan_id,
                payload_digest=payload_digest,
                request_id=request_id,
                trace_id=current_trace_id(),
                details=details,
                dedup_key=key,
            ),
            now=at,
        )
    return fresh


class LoanActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @activity.defn(name="record_loan_step")
    async def record_loan_step(self, data: RecordLoanStepInput) -> bool:
        """Write the step in one transaction; a retry of a step already written changes nothing."""
        state, event = data.state, data.event
        now = datetime.now(UTC)
        # No lock of our own: one loan's steps reach here one at a time (the workflow persists each step before
        # taking the next), and the audit chain of the loan is locked by append_audit.
        async with self.sessions() as session, session.begin():
            await repository.upsert_loan(session, read_model_row(state, now))
            fresh = await _record_event(
                session,
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
            if not fresh:
                return False
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
        return True

    @activity.defn(name="record_disposal_step")
    async def record_disposal_step(self, data: RecordDisposalStepInput) -> bool:
        """A disposal step: the loan's `disposal` column, the loan's timeline and audit trail, written once."""
        state = data.state
        async with self.sessions() as session, session.begin():
            fresh = await _record_event(
                session,
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
            if not fresh:
                return False
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
