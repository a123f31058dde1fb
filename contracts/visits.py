"""A station's visits (走访) and the other touches a specialist records by hand (calls, messages, meetings).

A visit is planned first (a day, an optional time, the enterprise and its case, the place, the guidance items it is
for — 政策解读, 资质审查, 价值评估, 合同填写, 质押登记, 申报资助 — and the partner bank's account manager who
comes along), then ends one way: **done** (the day it took place, who went, whether the account manager was there,
the outcome, the documents collected, the next step), **cancelled** before it took place (with the reason), or an
**incident** — the specialist went and could not serve the enterprise: it was closed, refused, or had moved (with
the reason). Only a planned visit changes; an ended one stays as it ended."""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum

from pydantic import Field, field_validator

from contracts.base import Model
from contracts.enums import ChecklistItem
from contracts.types import MAX_LIST, Note, ShortText, Text


class VisitState(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"
    INCIDENT = "incident"

    @property
    def label(self) -> str:
        return {
            VisitState.PLANNED: "计划中",
            VisitState.DONE: "已走访",
            VisitState.CANCELLED: "已取消",
            VisitState.INCIDENT: "未能走访",
        }[self]


class IncidentKind(StrEnum):
    CLOSED = "closed"  # the enterprise was closed (not there, shut down)
    REFUSED = "refused"  # it refused the visit
    MOVED = "moved"  # it had moved away
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            IncidentKind.CLOSED: "企业停业或无人",
            IncidentKind.REFUSED: "企业拒绝走访",
            IncidentKind.MOVED: "企业已搬迁",
            IncidentKind.OTHER: "其他原因",
        }[self]


class TouchKind(StrEnum):
    CALL = "call"
    MESSAGE = "message"
    MEETING = "meeting"  # the enterprise came to the station, or met elsewhere
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            TouchKind.CALL: "电话沟通",
            TouchKind.MESSAGE: "线上沟通",
            TouchKind.MEETING: "面谈",
            TouchKind.OTHER: "其他",
        }[self]


Purposes = list[ChecklistItem]


class PlanVisitRequest(Model):
    enterprise_id: str = Field(min_length=1, max_length=64)
    loan_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="the station's case it serves, if one is open"
    )
    planned_on: date = Field(description="today or later, within a year")
    starts_at: time | None = Field(default=None, description="local time in Shanghai; none: the whole day")
    place: ShortText
    purposes: Purposes = Field(min_length=1, max_length=len(ChecklistItem))
    specialist: ShortText | None = Field(default=None, description="who goes; none: the specialist planning it")
    account_manager: ShortText | None = Field(default=None, description="the partner bank's account manager")
    note: Note | None = None

    @field_validator("starts_at")
    @classmethod
    def _local(cls, value: time | None) -> time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("the time is Shanghai's, written without an offset (09:30)")
        return value


class VisitDoneRequest(Model):
    visited_on: date = Field(description="not before the visit was planned or the case opened, not after today")
    people: list[ShortText] = Field(min_length=1, max_length=MAX_LIST, description="who went")
    account_manager_present: bool = False
    place: ShortText | None = Field(default=None, description="none: where it was planned")
    purposes: Purposes | None = Field(default=None, max_length=len(ChecklistItem), description="none: as planned")
    outcome: Text
    documents: list[ShortText] = Field(default_factory=list, max_length=MAX_LIST, description="documents collected")
    next_step: Text | None = None
    next_visit_on: date | None = Field(default=None, description="after the visit")


class CancelVisitRequest(Model):
    reason: Text


class VisitIncidentRequest(Model):
    kind: IncidentKind
    occurred_on: date = Field(description="the day the specialist went; not after today")
    reason: Text


class RecordTouchRequest(Model):
    """A touch recorded by hand in the enterprise's service record (a call, a message, a meeting)."""

    kind: TouchKind
    occurred_on: date = Field(description="not after today")
    summary: Text
    loan_id: str | None = Field(default=None, min_length=1, max_length=64)
