"""Activities of the loan lifecycle: persist accepted steps (read model, timeline, audit) and hold assets."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.base import STEP_NOT_SAVED
from contracts.disposal import RecordDisposalStepInput
from contracts.loan_activities import ASSET_ALREADY_PLEDGED, HoldAssetsInput, LoanEventRecord, RecordLoanStepInput
from contracts.names import Activity
from services.platform.faults import crash_point
from services.platform.telemetry import current_trace_id
from services.store import loan_steps
from services.store.db import is_transient_database_error, refused_as_data

log = structlog.get_logger("pledgeflow.worker.loans")


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
        async with self.sessions() as session, session.begin():
            written = await loan_steps.write_loan_step(
                session,
                data.state,
                data.summary,
                [*data.earlier_events, data.event],
                data.schedule,
                datetime.now(UTC),
                current_trace_id(),
            )
        if written:
            crash_point("record_loan_step.committed", data.event.kind)  # tests: written, Temporal has not heard
        return written

    @activity.defn(name=Activity.RELEASE_HELD_ASSETS)
    async def release_held_assets(self, data: HoldAssetsInput) -> None:
        """Undo `hold_assets` for a loan whose application could not be saved."""
        async with self.sessions() as session, session.begin():
            await loan_steps.release_assets(session, data.loan_id, datetime.now(UTC))

    @activity.defn(name=Activity.RECORD_DISPOSAL_STEP)
    async def record_disposal_step(self, data: RecordDisposalStepInput) -> bool:
        """A disposal step: the loan's `disposal` column, the loan's timeline and audit trail, written once."""
        try:
            return await self._record_disposal_step(data)
        except Exception as error:  # noqa: BLE001 - every failure is classified: data (final) or not (retried)
            raise write_failure(error, data.state.loan_id, data.kind) from None

    async def _record_disposal_step(self, data: RecordDisposalStepInput) -> bool:
        record = LoanEventRecord(
            key=data.key,
            kind=data.kind,
            summary=data.summary,
            actor=data.actor,
            at=datetime.now(UTC),
            request_id=data.request_id,
            payload_digest=data.payload_digest,
            data=data.data,
        )
        async with self.sessions() as session, session.begin():
            return await loan_steps.write_disposal_step(session, data.state, record, current_trace_id())

    @activity.defn(name=Activity.HOLD_ASSETS)
    async def hold_assets(self, data: HoldAssetsInput) -> None:
        """Hold the loan's assets, or fail (not retried) when another open loan holds one of them."""
        async with self.sessions() as session, session.begin():
            elsewhere = await loan_steps.hold_assets(session, data.loan_id, data.asset_ids, datetime.now(UTC))
            if elsewhere is not None:
                raise ApplicationError(
                    # Not which loan: that is the business of that loan's parties.
                    f"asset {elsewhere.asset_id} is already pledged in another open loan",
                    type=ASSET_ALREADY_PLEDGED,
                    non_retryable=True,
                )
