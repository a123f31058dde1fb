"""`WebhookDeliveryWorkflow`: delivers one queued webhook, retried with backoff by Temporal, then gives up."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from contracts.names import Activity
    from contracts.notifications import WEBHOOK_WORKFLOW_NAME, DeliverInput

# About a day of attempts: 5 s, 10 s, 20 s, ... capped at one hour between attempts.
WEBHOOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(hours=1),
    maximum_attempts=30,
)


@workflow.defn(name=WEBHOOK_WORKFLOW_NAME)
class WebhookDeliveryWorkflow:
    @workflow.run
    async def run(self, data: DeliverInput) -> str:
        try:
            await workflow.execute_activity(
                Activity.DELIVER_WEBHOOK, data, start_to_close_timeout=timedelta(seconds=30), retry_policy=WEBHOOK_RETRY
            )
        except ActivityError:
            await workflow.execute_activity(
                Activity.GIVE_UP_WEBHOOK,
                data,
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
            )
            return "failed"
        return "delivered"
