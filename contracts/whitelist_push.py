"""A push of a white-listed enterprise to a bank (推送, guideline §三(二)): the district offers the enterprise to one of
its banks for one-to-one service; the bank accepts — a case opens, linked to the push — or declines with its reason.
One workflow per push (`WhitelistPushWorkflow`, id `whitelist-push-<id>`): an unanswered push raises a reminder
after the district's number of working days (a durable timer) and shows as overdue until it is answered."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from contracts.base import Model, Recorded, StepInput
from contracts.enums import District
from contracts.loan_activities import LoanEventRecord
from contracts.types import Note

PUSH_WORKFLOW_NAME = "WhitelistPushWorkflow"
ANSWER_PUSH = "answer_push"
PUSH_WRITTEN = "push_written"  # sent with the start: answers once the push is written


def push_workflow_id(push_id: str) -> str:
    return f"whitelist-push-{push_id}"


class PushStatus(StrEnum):
    WAITING = "waiting"
    OVERDUE = "overdue"  # unanswered past its reminder day
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {
            PushStatus.WAITING: "待银行答复",
            PushStatus.OVERDUE: "已超期未答复",
            PushStatus.ACCEPTED: "银行已接受",
            PushStatus.DECLINED: "银行已婉拒",
        }[self]

    @property
    def open(self) -> bool:
        return self in (PushStatus.WAITING, PushStatus.OVERDUE)


class PushInput(Model):
    """The start of a push's workflow: what the API checked."""

    push_id: str
    district: District
    credit_code: str
    enterprise_name: str
    bank_id: str
    note: str | None = None
    pushed: Recorded
    remind_on: date = Field(description="unanswered by the end of this day, the push is overdue (working days)")


class PushState(PushInput):
    status: PushStatus = PushStatus.WAITING
    answered: Recorded | None = None
    reason: str | None = None
    loan_id: str | None = Field(default=None, description="the case opened when the bank accepted")
    reminded_on: date | None = None
    step_count: int = 0


class AnswerPushInput(StepInput):
    """The bank's answer: accepted (with the case the API opened for it) or declined with the reason."""

    accept: bool
    reason: Note | None = None
    loan_id: str | None = None


class RecordPushStepInput(Model):
    state: PushState
    event: LoanEventRecord
