"""Activities of the loan lifecycle: persist accepted steps (read model, timeline, audit) and hold assets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.base import STEP_NOT_SAVED, Actor
from contracts.disposal import RecordDisposalStepInput
from contracts.loan_activities import ASSET_ALREADY_PLEDGED, HoldAssetsInput, RecordLoanStepInput
from contracts.loan_state import LoanState
from contracts.names import Activity
from services.domain.loan_summary import summarize
from services.platform.faults import crash_point
from services.platform.telemetry import current_trace_id
from services.store import loans as repository
from services.store.audit import AuditEntry, append_audit, append_to_chain
from services.store.db import is_transient_database_error, refused_as_data
from services.store.tables import LoanEvent

log = structlog.get_logger("pledgeflow.worker.loans")


def read_model_row(state: LoanState, now: datetime) -> dict[str, object]:
    """The loan table's columns, derived from the workflow's state (`state` itself as JSON text)."""
    summary = summarize(state)
    return {
        "id": state.loan_id,
        "enterprise_id": state.enterprise_id,
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


# After this many attempts a write that keeps failing is worth an alert (about a minute of retries).
ALERT_AFTER_ATTEMPTS = 12


def write_failure(error: Exception, loan_id: str, kind: str) -> ApplicationError:
    """What an activity that writes a step raises when the write failed: short (never the SQL, its parameters or the
    loan's state), not retried when retrying cannot cure it, and logged at error level once it has failed for a
    minute (a database away that long needs a person)."""
    reason = f"{type(error).__name__}: {str(getattr(error, 'orig', None) or error).splitlines()[0][:200]}"
    if refused_as_data(error):
        log.error("step refused by the database", loan_id=loan_id, step=kind, reason=reason)
        return ApplicationError(
            "this step could not be saved: the database refused its data (for example a character it cannot "
            "store); nothing was changed. Correct the text and send it again, or quote the request id to support.",
            reason,
            type=STEP_NOT_SAVED,
            non_retryable=True,
        )
    attempt = activity.info().attempt
    event = "step write failing" if attempt >= ALERT_AFTER_ATTEMPTS else "step write failed; retrying"
    (log.error if attempt >= ALERT_AFTER_ATTEMPTS else log.warning)(
        event,
        loan_id=loan_id,
        step=kind,
        attempt=attempt,
        transient=is_transient_database_error(error),
        reason=reason,
    )
    return ApplicationError(f"the step was not written ({reason}); retrying", type="StepWriteFailed")


class LoanActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @activity.defn(name=Activity.RECORD_LOAN_STEP)
    async def record_loan_step(self, data: RecordLoanStepInput) -> bool:
        """Write the step (its events, in order, and the read model) in one transaction; a retry of a step already
        written changes nothing. A write that retrying cannot cure fails at once, not retried (`write_failure`)."""
        try:
            return await self._record_loan_step(data)
        except Exception as error:  # noqa: BLE001 - every failure is classified: data (final) or not (retried)
            raise write_failure(error, data.state.loan_id, data.event.kind) from None

    async def _record_loan_step(self, data: RecordLoanStepInput) -> bool:
        state, event = data.state, data.event
        now = datetime.now(UTC)
        written = False
        # No lock of our own: one loan's steps reach here one at a time (the workflow persists each step before
        # taking the next), and the audit chain of the loan is locked by record_step.
        async with self.sessions() as session, session.begin():
            for each in [*data.earlier_events, event]:
                step = _Step(
                    loan_id=state.loan_id,
                    stage=state.stage.value,
                    key=each.key,
                    kind=each.kind,
                    summary=each.summary,
                    actor=each.actor,
                    at=each.at,
                    request_id=each.request_id,
                    data=each.data,
                    payload_digest=each.payload_digest,
                    details={"stage": state.stage.value},
                )
                # One statement writes the row and the event and, for a new event, locks the loan's audit chain.
                head = await repository.record_step(
                    session, read_model_row(state, now), step.event(), audit_chain=f"loan:{state.loan_id}"
                )
                if head is None:  # already recorded: a retry after the first attempt committed
                    continue
                await append_to_chain(session, step.audit(), head, now=each.at)
                written = True
            if not written:
                return False
            if data.schedule:
                await repository.replace_schedule(
                    session,
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

    @activity.defn(name=Activity.RELEASE_HELD_ASSETS)
    async def release_held_assets(self, data: HoldAssetsInput) -> None:
        """Undo `hold_assets` for a loan whose application could not be saved."""
        async with self.sessions() as session, session.begin():
            await repository.release_assets(session, data.loan_id, datetime.now(UTC))

    @activity.defn(name=Activity.RECORD_DISPOSAL_STEP)
    async def record_disposal_step(self, data: RecordDisposalStepInput) -> bool:
        """A disposal step: the loan's `disposal` column, the loan's timeline and audit trail, written once."""
        try:
            return await self._record_disposal_step(data)
        except Exception as error:  # noqa: BLE001 - every failure is classified: data (final) or not (retried)
            raise write_failure(error, data.state.loan_id, data.kind) from None

    async def _record_disposal_step(self, data: RecordDisposalStepInput) -> bool:
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

    @activity.defn(name=Activity.HOLD_ASSETS)
    async def hold_assets(self, data: HoldAssetsInput) -> None:
        """Hold the loan's assets, or fail (not retried) when another open loan holds one of them."""
        async with self.sessions() as session, session.begin():
            elsewhere = await repository.hold_assets(session, data.loan_id, data.asset_ids, datetime.now(UTC))
            if elsewhere is not None:
                raise ApplicationError(
                    # Not which loan: that is the business of that loan's parties.
                    f"asset {elsewhere.asset_id} is already pledged in another open loan",
                    type=ASSET_ALREADY_PLEDGED,
                    non_retryable=True,
                )
