"""The worker entry point: one process polling the loans task queue with every workflow and activity."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from services.platform.egress import EgressPolicy
from services.platform.logging import configure_logging
from services.platform.settings import WorkerSettings
from services.platform.telemetry import configure_tracing
from services.platform.temporal import connect_temporal
from services.store.db import create_engine, session_factory
from services.workflows.activities.audit import AuditActivities
from services.workflows.activities.authority import AuthorityActivities, ManualAuthority, RegistrationAuthority
from services.workflows.activities.calendar import look_up_working_year
from services.workflows.activities.drafting import DraftingActivities
from services.workflows.activities.loans import LoanActivities
from services.workflows.activities.notifications import NotificationActivities
from services.workflows.activities.subsidy_claims import ClaimActivities
from services.workflows.activities.whitelist_pushes import PushActivities
from services.workflows.disposal import DisposalWorkflow
from services.workflows.loan.workflow import LoanLifecycleWorkflow
from services.workflows.subsidy_claim.workflow import SubsidyClaimWorkflow
from services.workflows.subsidy_drafting import (
    SUBSIDY_DRAFTING_WORKFLOW_ID,
    SUBSIDY_DRAFTING_WORKFLOW_NAME,
    SubsidyDraftingWorkflow,
)
from services.workflows.webhooks import WebhookDeliveryWorkflow
from services.workflows.whitelist_push import WhitelistPushWorkflow

log = structlog.get_logger("pledgeflow.worker")

# The workflows this worker runs.
WORKFLOWS: Sequence[type[Any]] = (
    LoanLifecycleWorkflow,
    DisposalWorkflow,
    WebhookDeliveryWorkflow,
    SubsidyClaimWorkflow,
    SubsidyDraftingWorkflow,
    WhitelistPushWorkflow,
)


def build_activities(
    sessions: async_sessionmaker[AsyncSession],
    authority: RegistrationAuthority | None = None,
    egress: EgressPolicy | None = None,
    *,
    client: Client | None = None,
    task_queue: str = "",
) -> list[Any]:
    audit = AuditActivities(sessions)
    loans = LoanActivities(sessions)
    claims = ClaimActivities(sessions)
    pushes = PushActivities(sessions)
    drafting = [DraftingActivities(sessions, client, task_queue).draft_interest_claims] if client is not None else []
    registration = AuthorityActivities(authority or ManualAuthority())
    notifications = NotificationActivities(sessions, egress=egress)
    return [
        audit.record_audit,
        loans.record_loan_step,
        loans.record_disposal_step,
        loans.hold_assets,
        loans.release_held_assets,
        claims.record_claim_step,
        pushes.record_push_step,
        registration.file_with_authority,
        notifications.queue_notifications,
        notifications.deliver_webhook,
        notifications.give_up_webhook,
        look_up_working_year,
        *drafting,
    ]


def build_worker(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    *,
    task_queue: str | None = None,
    settings: WorkerSettings | None = None,
    extra_workflows: Sequence[type[Any]] = (),
    extra_activities: Sequence[Any] = (),
    authority: RegistrationAuthority | None = None,
) -> Worker:
    """A worker with every pledgeflow workflow and activity; it inherits the client's tracing interceptor."""
    settings = settings or WorkerSettings()
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=[*WORKFLOWS, *extra_workflows],
        activities=[
            *build_activities(
                sessions, authority, settings.egress, client=client, task_queue=task_queue or settings.task_queue
            ),
            *extra_activities,
        ],
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_cached_workflows=settings.max_cached_workflows,
        workflow_runner=SandboxedWorkflowRunner() if settings.workflow_sandbox else UnsandboxedWorkflowRunner(),
    )


async def start_drafting(client: Client, task_queue: str) -> None:
    """Make sure the daily drafting of 免申即享 claims runs (one per namespace: a second worker joins it)."""
    await client.start_workflow(
        SUBSIDY_DRAFTING_WORKFLOW_NAME,
        id=SUBSIDY_DRAFTING_WORKFLOW_ID,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def run_worker(settings: WorkerSettings) -> None:
    configure_logging(settings.effective_log_format, settings.log_level)
    provider = configure_tracing(settings, "worker")
    engine = create_engine(settings.require_database_url(), pre_ping=False)  # activities retry (see create_engine)
    client = await connect_temporal(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = build_worker(client, session_factory(engine), settings=settings)
    log.info("worker started", task_queue=settings.task_queue, namespace=settings.temporal_namespace)
    try:
        async with worker:
            await start_drafting(client, settings.task_queue)
            await stop.wait()
            log.info("worker stopping")
    finally:
        await engine.dispose()
        provider.shutdown()
