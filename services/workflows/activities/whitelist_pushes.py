"""Activities of the white-list pushes: persist an accepted step (the push's row, timeline event and audit record)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from contracts.names import Activity
from contracts.whitelist_push import RecordPushStepInput
from services.store import whitelist_pushes
from services.workflows.activities.loans import write_failure


class PushActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    @activity.defn(name=Activity.RECORD_PUSH_STEP)
    async def record_push_step(self, data: RecordPushStepInput) -> bool:
        """Write the step in one transaction; a retry of a step already written changes nothing."""
        try:
            async with self.sessions() as session, session.begin():
                return await whitelist_pushes.write_push_step(session, data.state, data.event, datetime.now(UTC))
        except Exception as error:  # noqa: BLE001 - every failure is classified: data (final) or not (retried)
            raise write_failure(error, f"push {data.state.push_id}", data.event.kind) from None
