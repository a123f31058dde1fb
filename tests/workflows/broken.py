"""A worker whose loan code fails every workflow task: a bad deployment, or a worker that cannot replay a loan.

While it holds a loan's task queue, each workflow task of the loan fails; from the third failed attempt on,
Temporal refuses updates to the loan (FAILED_PRECONDITION, "Workflow Task in failed state")."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from contracts.loans import LOAN_WORKFLOW_NAME, OpenLoanInput


@workflow.defn(name=LOAN_WORKFLOW_NAME, sandboxed=False)
class BrokenLoanWorkflow:
    @workflow.run
    async def run(self, _data: OpenLoanInput) -> None:
        raise RuntimeError("this worker cannot run loans")


def broken_worker(client: Client, queue: str) -> Worker:
    return Worker(
        client,
        task_queue=queue,
        workflows=[BrokenLoanWorkflow],
        workflow_runner=UnsandboxedWorkflowRunner(),
        max_cached_workflows=0,
    )


async def until(check: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    for _ in range(int(within / 0.2)):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {within} s: {what}")


async def fail_workflow_tasks(handle: WorkflowHandle[object, object], attempts: int = 3) -> None:
    """Make the loan's workflow task fail (with a broken worker on its queue) until it has failed `attempts`
    times: from the third, Temporal refuses updates."""
    await handle.signal("nudge")  # a workflow task for the broken worker to fail, again and again

    async def failing() -> bool:
        pending = (await handle.describe()).raw_description.pending_workflow_task
        return pending.attempt >= attempts

    await until(failing, 60, "the loan's workflow task failing repeatedly")
