"""`SubsidyDraftingWorkflow` (id `subsidy-drafting`): once a day, at 07:00 Shanghai, drafts the interest claims
pledgeflow can file itself (免申即享: services/workflows/activities/drafting.py). One per namespace, started by the
worker; a durable timer between days (no cron), and a new run every 30 days so its history stays short."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.names import Activity
    from services.domain.calendar import SHANGHAI, shanghai_date

SUBSIDY_DRAFTING_WORKFLOW_NAME = "SubsidyDraftingWorkflow"
SUBSIDY_DRAFTING_WORKFLOW_ID = "subsidy-drafting"
DAYS_PER_RUN = 30
DRAFT_AT = time(7)


@workflow.defn(name=SUBSIDY_DRAFTING_WORKFLOW_NAME)
class SubsidyDraftingWorkflow:
    @workflow.run
    async def run(self) -> None:
        for _ in range(DAYS_PER_RUN):
            day = shanghai_date(workflow.now())
            await workflow.execute_activity(
                Activity.DRAFT_INTEREST_CLAIMS,
                day,
                result_type=int,
                start_to_close_timeout=timedelta(minutes=10),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5)),
            )
            tomorrow = datetime.combine(day + timedelta(days=1), DRAFT_AT, tzinfo=SHANGHAI)
            await workflow.sleep(tomorrow - workflow.now())
        workflow.continue_as_new()
