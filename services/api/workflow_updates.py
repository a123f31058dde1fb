"""Sending a step to a workflow as an Update, and telling a final answer from a transient one.

Final (4xx, stored under the Idempotency-Key): the workflow rejected the step (403 not your step, 409 wrong stage
or rule broken), or the workflow has ended (409, said by what the loan is, not by the error code alone).
Transient (503 with `Retry-After`, never stored, so the same key retried completes the same update):
- the step did not finish within `PLEDGEFLOW_STEP_TIMEOUT_SECONDS` (the update keeps going in the workflow; the
  retry, with the same update id, joins it and gets its outcome);
- Temporal refused the update because the workflow is not ready (its workflow task failing or timing out while a
  restarted worker catches up: FAILED_PRECONDITION) and the workflow is in fact still running;
- Temporal did not answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import structlog
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from contracts.base import (
    STEP_NOT_SAVED,
    STEP_NOT_SAVED_RETRY,
    STEP_NOT_YOUR_STEP,
    STEP_RULE_VIOLATION,
    STEP_WRONG_STAGE,
    StepInput,
)
from services.api.dependencies import RequestContext
from services.api.errors import ApiError, ServiceUnavailable, Unprocessable
from services.api.loans.exceptions import NotYourStep, StepRuleViolation, StepWrongStage, WorkflowUnavailable

log = structlog.get_logger("pledgeflow.api.updates")

R = TypeVar("R")


class StepNotSaved(Unprocessable):
    """Final: the database refused the step's data (a defence behind the request's own validation)."""

    type_slug = "step-not-saved"
    title = "The step could not be saved"


class StepNotSavedYet(ServiceUnavailable):
    type_slug = "step-not-saved-yet"
    title = "The step could not be saved yet"
    retry_after_seconds = 5


_STEP_ERRORS: dict[str, type[ApiError]] = {
    STEP_WRONG_STAGE: StepWrongStage,
    STEP_NOT_YOUR_STEP: NotYourStep,
    STEP_RULE_VIOLATION: StepRuleViolation,
    STEP_NOT_SAVED: StepNotSaved,
    STEP_NOT_SAVED_RETRY: StepNotSavedYet,
}
# A step whose write gave up (the database away too long) failed with nothing changed, and Temporal keeps that
# outcome under its update id; the same request sent again then goes as the next "generation" of the update id,
# walking past failed ones, so that it can go through: each generation either failed with nothing changed or is
# the one that acted. A handful is plenty (each gave up after minutes).
GENERATIONS = 5
# Statuses with which Temporal refuses an update to a workflow that is closed, or merely not ready.
_REFUSED = (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION)
_DESCRIBE_TIMEOUT = timedelta(seconds=5)


class WorkflowBusy(ServiceUnavailable):
    type_slug = "workflow-busy"
    title = "The loan is catching up and cannot take a step this moment"
    retry_after_seconds = 3


class StepStillRunning(ServiceUnavailable):
    type_slug = "step-still-running"
    title = "The step has not finished yet"
    retry_after_seconds = 1


# What sending a step may answer besides the step's own rejections (declared on every step route).
SENDING_ERRORS: tuple[type[ApiError], ...] = (
    WorkflowUnavailable,
    WorkflowBusy,
    StepStillRunning,
    StepNotSavedYet,
    StepNotSaved,
)


def consume_outcome(done: asyncio.Future[Any]) -> None:
    """Read the outcome of a call left to finish by itself, so that its error is not reported as unread."""
    if not done.cancelled():
        done.exception()


def update_id(context: RequestContext, generation: int = 0, fixed: str | None = None) -> str:
    """The Temporal update id: derived from the Idempotency-Key, so every retry of a request is one update; or
    `fixed`, for a step that is one update whatever request sends it (a visit's end logged on its case)."""
    if fixed is not None:
        return fixed + (f"-{generation}" if generation else "")
    if context.idempotency_key is None:
        return uuid.uuid4().hex
    digest = hashlib.sha256(f"{context.principal.caller_key}\n{context.idempotency_key}".encode()).hexdigest()
    return f"idem-{digest[:32]}" + (f"-{generation}" if generation else "")


async def is_running(handle: WorkflowHandle[object, object]) -> bool:
    """Whether the workflow (its latest run) is still running; raises WorkflowUnavailable if Temporal cannot say."""
    try:
        description = await handle.describe(rpc_timeout=_DESCRIBE_TIMEOUT)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return False
        raise WorkflowUnavailable("The workflow could not be reached; nothing was changed. Try again.") from error
    return description.status is WorkflowExecutionStatus.RUNNING


async def _execute(
    handle: WorkflowHandle[object, object],
    context: RequestContext,
    update: str,
    data: StepInput,
    result_type: type[R],
    fixed: str | None,
) -> R:
    for generation in range(GENERATIONS):
        try:
            result: R = await handle.execute_update(
                update, data, id=update_id(context, generation, fixed), result_type=result_type
            )
            return result
        except WorkflowUpdateFailedError as error:
            cause = error.cause
            gave_up = isinstance(cause, ApplicationError) and cause.type == STEP_NOT_SAVED_RETRY
            if not gave_up or (context.idempotency_key is None and fixed is None) or generation + 1 == GENERATIONS:
                raise
    raise AssertionError("unreachable")


async def send_update(
    temporal: Client,
    context: RequestContext,
    workflow_id: str,
    update: str,
    data: StepInput,
    result_type: type[R],
    *,
    closed: Callable[[], Awaitable[str]],
    what: str,
    fixed_id: str | None = None,
) -> R:
    """Send one step as an Update and wait for its outcome, at most the request's step time.

    `closed()` says, in a clerk's words, why the step cannot be taken once the workflow turns out to have ended.
    """
    handle = temporal.get_workflow_handle(workflow_id)
    try:
        async with asyncio.timeout(context.step_timeout):
            return await _execute(handle, context, update, data, result_type, fixed_id)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.type in _STEP_ERRORS:
            raise _STEP_ERRORS[cause.type](cause.message) from None
        raise
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        log.warning("step still running at its time bound", workflow_id=workflow_id, update=update)
        raise StepStillRunning(
            f"The {what} has not finished this step within {context.step_timeout:.0f} s; it goes on. Send the same "
            "request again with the same Idempotency-Key to get its answer."
        ) from None
    except RPCError as error:
        if error.status not in _REFUSED:
            raise WorkflowUnavailable(f"The {what} did not answer; nothing was changed. Try again.") from error
        if not await is_running(handle):
            raise StepWrongStage(await closed()) from None
        log.warning("update refused by a running workflow", workflow_id=workflow_id, update=update, status=error.status)
        raise WorkflowBusy(
            f"The {what} is catching up after a restart and cannot take this step this moment; nothing was "
            "changed. Send the same request again in a few seconds."
        ) from None


async def start_with_update(
    temporal: Client,
    context: RequestContext,
    operation: WithStartWorkflowOperation[Any, Any],
    update: str,
    args: tuple[Any, ...],
    result_type: type[R],
    *,
    what: str,
    verb: str,
) -> R:
    """Start a workflow with its first update (update-with-start: the update answers once the workflow has written
    its start), at most the request's step time. Shielded, as a loan's opening is: past the bound the start goes on
    and the same request with the same Idempotency-Key joins it (503 meanwhile); Temporal away is a 503 too."""
    starting = asyncio.ensure_future(
        temporal.execute_update_with_start_workflow(
            update, *args, start_workflow_operation=operation, result_type=result_type
        )
    )
    starting.add_done_callback(consume_outcome)
    try:
        return await asyncio.wait_for(asyncio.shield(starting), context.step_timeout)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise StepStillRunning(
            f"The {what} is still being {verb}; send the same request again with the same Idempotency-Key."
        ) from None
    except RPCError as error:
        if error.status is RPCStatusCode.FAILED_PRECONDITION:
            raise WorkflowBusy(f"The {what} is catching up after a restart; send the same request again.") from None
        raise WorkflowUnavailable(
            f"The {what} could not be {verb} right now; nothing was created. Try again."
        ) from error
