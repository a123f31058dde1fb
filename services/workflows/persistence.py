"""How a workflow writes what it decided into PostgreSQL: only after Temporal has recorded that it decided it.

The invariant (README, "Exactly once under faults"): **the database shows a step only once the workflow's history
holds the step's acceptance.** A workflow writes through a regular activity, and a regular activity is scheduled by
a command that Temporal stores in the same transaction as the workflow task that ran the update handler, with the
update's acceptance. So at every instant:

- before that workflow task completes (a worker killed mid-task, an update refused or lost), nothing was written:
  a retry of the update, or another update, starts from a database that agrees with the history;
- once it has completed, the write is in the history and Temporal runs it until it succeeds (a killed worker's
  attempt times out and is retried elsewhere); the write is keyed by the step (the update id), so an attempt
  that committed before its worker died makes the retry a no-op; the update answers only after the write, so
  the caller reads its own write.

Until this patch the write was a local activity, run *inside* the workflow task before it completed: a worker killed
between the write's commit and the task's completion left a step in the database that the workflow never took
(the "phantom step"). A run started before the patch keeps writing that way until it continues as new (the patch is
decided once per run); its recorded histories replay unchanged (`tests/workflows/test_replay.py`).

The price is one more round trip to Temporal per step (the activity's completion and the workflow task that
follows it); the worker runs the activity eagerly, without polling for it. `make bench` measures it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.base import STEP_NOT_SAVED, STEP_NOT_SAVED_RETRY, Recorded
    from contracts.loan_activities import LoanEventRecord
    from services.domain.digest import payload_digest

T = TypeVar("T")

PERSIST_AFTER_ACCEPTANCE = "persist-after-acceptance"

# A few statements on our own database: an attempt that takes longer has met a dead worker or a dying connection,
# and is retried (the write is idempotent). While PostgreSQL is down the retries back off to every 5 s, so a step
# goes through within seconds of the database coming back.
PERSIST_TIMEOUT = timedelta(seconds=5)
PERSIST_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5))

# What runs started before the patch used (kept so that their histories replay as recorded).
_LEGACY_TIMEOUT = timedelta(seconds=10)
_LEGACY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))


class NotSaved(Exception):
    """A write that failed for good: `kind` is STEP_NOT_SAVED (the database refused the data; retrying cannot
    cure it) or STEP_NOT_SAVED_RETRY (the database stayed away past the bound). Nothing of it was written."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _spoken(span: timedelta | None) -> str:
    seconds = int(span.total_seconds()) if span else 0
    return f"{seconds // 60} minutes" if seconds >= 120 else f"{seconds} seconds"


def after_acceptance() -> bool:
    """True when this run writes after acceptance (every run started since the patch)."""
    return workflow.patched(PERSIST_AFTER_ACCEPTANCE)


def step_event(key: str, kind: str, summary: str, recorded: Recorded, data: dict[str, Any] | None) -> LoanEventRecord:
    """The timeline event of a step as the writing activities take it (a claim's, a push's): one key per step, so
    that a retried write records it once."""
    return LoanEventRecord(
        key=key,
        kind=kind,
        summary=summary,
        actor=recorded.by,
        at=recorded.at,
        request_id=recorded.request_id,
        payload_digest=payload_digest(data or {}),
        data=data,
    )


async def persist(activity: str, data: Any, result_type: type[T], *, give_up: timedelta | None = None) -> T:
    """Run the writing activity `activity` with `data`, after acceptance (see the module docstring).

    A data error (the activity says STEP_NOT_SAVED) is not retried; a transient one is, every few seconds, until
    `give_up` has passed (forever without it: writes of timers and of the opening must happen). Either way a
    failure is raised as NotSaved."""
    if after_acceptance():
        try:
            result: T = await workflow.execute_activity(
                activity,
                data,
                result_type=result_type,
                start_to_close_timeout=PERSIST_TIMEOUT,
                schedule_to_close_timeout=give_up,
                retry_policy=PERSIST_RETRY,
            )
        except ActivityError as error:
            cause = error.cause
            if isinstance(cause, ApplicationError) and cause.type == STEP_NOT_SAVED:
                raise NotSaved(STEP_NOT_SAVED, cause.message) from None
            raise NotSaved(
                STEP_NOT_SAVED_RETRY,
                f"this step could not be saved: the database did not answer for {_spoken(give_up)}; nothing "
                "was changed. Send the same request again.",
            ) from None
        return result
    legacy: T = await workflow.execute_local_activity(
        activity,
        data,
        result_type=result_type,
        start_to_close_timeout=_LEGACY_TIMEOUT,
        retry_policy=_LEGACY_RETRY,
    )
    return legacy
