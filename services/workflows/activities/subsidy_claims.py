"""Activities of the subsidy claims: persist an accepted step (the claim's row, timeline event and audit record)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from contracts.names import Activity
from contracts.subsidy_claim import RecordClaimStepInput
from services.platform.telemetry import current_trace_id
from services.store import subsidy_claims
from services.workflows.activities.loans import write_failure


class ClaimActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @activity.defn(name=Activity.RECORD_CLAIM_STEP)
    async def record_claim_step(self, data: RecordClaimStepInput) -> bool:
        """Write the step in one transaction; a retry of a step already written changes nothing. A write retrying
        cannot cure fails at once, not retried (`write_failure`)."""
        try:
            async with self.sessions() as session, session.begin():
                return await subsidy_claims.write_claim_step(
                    session, data.state, data.event, datetime.now(UTC), current_trace_id()
                )
        except Exception as error:  # noqa: BLE001 - every failure is classified: data (final) or not (retried)
            raise write_failure(error, data.state.loan_id or f"claim {data.state.claim_id}", data.event.kind) from None
