"""The raw baseline of the benchmark: a workflow whose update does nothing but answer."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio import workflow


class Ping(BaseModel):
    n: int


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

    @workflow.signal
    def finish(self) -> None:
        self.done = True
