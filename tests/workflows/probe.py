"""A small workflow used by the tests to exercise the worker, the audit activity, tracing and timers."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.audit import AuditRecordResult, RecordAuditInput


class ProbeInput(BaseModel):
    target_id: str
    sleep_days: int = 0


@workflow.defn
class ProbeWorkflow:
    @workflow.run
    async def run(self, data: ProbeInput) -> AuditRecordResult:
        if data.sleep_days:
            await workflow.sleep(timedelta(days=data.sleep_days))
        result: AuditRecordResult = await workflow.execute_activity(
            "record_audit",
            RecordAuditInput(
                actor_sub="system",
                actor_role="platform_admin",
                actor_org="pledgeflow",
                action="probe.ran",
                target_type="probe",
                target_id=data.target_id,
                payload_digest="0" * 64,
                details={"slept_days": data.sleep_days, "at": workflow.now().isoformat()},
                dedup_key=workflow.info().workflow_id,
            ),
            result_type=AuditRecordResult,
            start_to_close_timeout=timedelta(seconds=30),
        )
        return result


@workflow.defn
class SandboxProbeWorkflow:
    """Answers whether its code runs inside Temporal's sandbox (the worker's `workflow_sandbox` setting)."""

    @workflow.run
    async def run(self) -> bool:
        return workflow.unsafe.in_sandbox()
