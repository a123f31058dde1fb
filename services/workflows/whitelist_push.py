"""`WhitelistPushWorkflow` (id `whitelist-push-<push id>`): one white-listed enterprise pushed to one bank, until the
bank answers. Started by the API; the push is written first (a durable write after acceptance, as every step is),
then the workflow waits for the bank's answer (`answer_push`, an Update with a validator; the rules are in
services/domain/whitelist/push_rules.py, checked by validator and handler alike) on a durable timer that ends with
the push's reminder day: unanswered by then, the push turns overdue and a `reminded` event is written (the district
and the bank see it in their lists). An answer after the reminder is taken all the same."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.base import STEP_NOT_YOUR_STEP, STEP_RULE_VIOLATION, STEP_WRONG_STAGE, SYSTEM_ACTOR, Recorded
    from contracts.names import Activity
    from contracts.types import TRUSTED
    from contracts.whitelist_push import (
        ANSWER_PUSH,
        PUSH_WORKFLOW_NAME,
        PUSH_WRITTEN,
        AnswerPushInput,
        PushInput,
        PushState,
        PushStatus,
        RecordPushStepInput,
    )
    from services.domain.calendar import end_of_day, shanghai_date
    from services.domain.whitelist import push_rules
    from services.workflows.persistence import NotSaved, persist, step_event

STEP_GIVE_UP = timedelta(minutes=10)
INSTANT = timedelta(seconds=1)


@workflow.defn(name=PUSH_WORKFLOW_NAME)
class WhitelistPushWorkflow:
    @workflow.init
    def __init__(self, data: PushInput) -> None:
        self.state = PushState(**data.model_dump())
        self._lock = asyncio.Lock()
        self._written = False

    @workflow.run
    async def run(self, data: PushInput) -> PushState:
        async with self._lock:  # an answer sent before the push is written waits for it
            summary = f"{data.enterprise_name} pushed to {data.bank_id}"
            await self._persist(f"pushed-{data.push_id}", "pushed", summary, data.pushed, None, give_up=None)
        self._written = True
        due = end_of_day(data.remind_on) - workflow.now()
        try:
            await workflow.wait_condition(lambda: not self.state.status.open, timeout=max(due, INSTANT))
        except TimeoutError:
            async with self._lock:
                if self.state.status is PushStatus.WAITING:
                    self.state.status = PushStatus.OVERDUE
                    self.state.reminded_on = shanghai_date(workflow.now())
                    recorded = Recorded(by=SYSTEM_ACTOR, at=workflow.now(), request_id=None)
                    summary = f"no answer from {data.bank_id} by {data.remind_on}: reminded"
                    await self._persist(f"reminded-{data.push_id}", "reminded", summary, recorded, None, give_up=None)
        await workflow.wait_condition(lambda: not self.state.status.open)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    def _check(self, data: AnswerPushInput) -> None:
        who = push_rules.not_your_answer(data.actor, self.state)
        if who is not None:
            raise ApplicationError(who, type=STEP_NOT_YOUR_STEP, non_retryable=True)
        answered = push_rules.not_open(self.state)
        if answered is not None:
            raise ApplicationError(answered, type=STEP_WRONG_STAGE, non_retryable=True)
        missing = push_rules.incomplete(data)
        if missing is not None:
            raise ApplicationError(missing, type=STEP_RULE_VIOLATION, non_retryable=True)

    @workflow.update(name=ANSWER_PUSH)
    async def answer(self, data: AnswerPushInput) -> PushState:
        await workflow.wait_condition(lambda: self._written)
        async with self._lock:
            self._check(data)  # again, under the lock: another answer may have been taken since the validator ran
            before = self.state.model_dump_json()
            self.state.status = PushStatus.ACCEPTED if data.accept else PushStatus.DECLINED
            self.state.reason = data.reason
            self.state.loan_id = data.loan_id
            recorded = Recorded(by=data.actor, at=workflow.now(), request_id=data.request_id)
            self.state.answered = recorded
            info = workflow.current_update_info()
            kind = "accepted" if data.accept else "declined"
            summary = f"{data.actor.org_id} {kind} the push" + (f": {data.reason}" if data.reason else "")
            try:
                await self._persist(info.id if info else kind, kind, summary, recorded, data.model_dump(mode="json"))
            except NotSaved as error:
                self.state = PushState.model_validate_json(before, context=TRUSTED)
                raise ApplicationError(error.message, type=error.kind, non_retryable=True) from None
            return self.state

    @answer.validator
    def _validate_answer(self, data: AnswerPushInput) -> None:
        self._check(data)

    @workflow.update(name=PUSH_WRITTEN)
    async def written(self) -> PushState:
        """Sent with the start (update-with-start): answers once the push is written, so its caller reads it."""
        await workflow.wait_condition(lambda: self._written)
        return self.state

    @workflow.query
    def get_state(self) -> PushState:
        return self.state

    async def _persist(
        self,
        key: str,
        kind: str,
        summary: str,
        recorded: Recorded,
        data: dict[str, object] | None,
        *,
        give_up: timedelta | None = STEP_GIVE_UP,
    ) -> None:
        self.state.step_count += 1
        event = step_event(key, kind, summary, recorded, data)
        await persist(
            Activity.RECORD_PUSH_STEP, RecordPushStepInput(state=self.state, event=event), bool, give_up=give_up
        )
