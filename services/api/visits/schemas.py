"""What the visit endpoints answer: a visit as planned and as it ended, a calendar of visits, a feed's address."""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import BaseModel, Field

from contracts.enums import ChecklistItem
from contracts.visits import IncidentKind, TouchKind, VisitState


class VisitView(BaseModel):
    id: str
    station_id: str
    enterprise_id: str
    enterprise_name: str
    loan_id: str | None
    state: VisitState
    state_label: str
    planned_on: date
    starts_at: time | None
    day: date = Field(description="the day it is planned for, or the day it ended (done, incident)")
    place: str
    purposes: list[ChecklistItem]
    specialist: str = Field(description="who goes")
    account_manager: str | None
    note: str | None
    # done
    people: list[str] = Field(default_factory=list, description="who went")
    account_manager_present: bool | None = None
    outcome: str | None = None
    documents: list[str] = Field(default_factory=list, description="documents collected")
    next_step: str | None = None
    next_visit_on: date | None = None
    follow_up_id: str | None = Field(default=None, description="the visit planned for next_visit_on")
    logged_on_case: bool | None = Field(default=None, description="the visit was logged on its case's timeline")
    # cancelled or incident
    incident_kind: IncidentKind | None = None
    reason: str | None = None
    planned_by: str
    planned_at: datetime
    ended_by: str | None
    ended_at: datetime | None


class VisitCalendar(BaseModel):
    station_id: str
    station_name: str
    start: date
    end: date
    today: date
    specialist: str | None
    visits: list[VisitView]


class FeedAddress(BaseModel):
    url: str = Field(description="subscribe to it in a phone's calendar; secret: whoever holds it reads the visits")
    specialist: str
    days_back: int
    days_ahead: int


class RecordedTouch(BaseModel):
    id: str
    station_id: str
    enterprise_id: str
    loan_id: str | None
    kind: TouchKind
    kind_label: str
    occurred_on: date
    summary: str
    recorded_by: str
    recorded_at: datetime
