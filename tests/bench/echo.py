"""The raw baseline of the benchmark: a workflow whose update does nothing but answer (and, for comparison, the
same update answering after a local activity that does nothing)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow


class Ping(BaseModel):
    n: int


@activity.defn(name="bench_noop")
async def bench_noop(data: Ping) -> int:
    """A local activity that does nothing: what a step's persistence costs before it writes anything."""
    return data.n


@workflow.defn
class BenchEchoWorkflow:
    def __init__(self) -> None:
        self.done = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.done)

    @workflow.update
    async def ping(self, data: Ping) -> int:
        return data.n

    @ping.validator
    def _validate_ping(self, data: Ping) -> None:
        if data.n < 0:
            raise ValueError("negative")

    @workflow.update
    async def ping_through_activity(self, data: Ping) -> int:
        """The same update answering only after a no-op local activity, as a loan step answers after its own."""
        return await workflow.execute_local_activity(bench_noop, data, start_to_close_timeout=timedelta(seconds=10))

    @workflow.signal
    def finish(self) -> None:
        self.done = True
