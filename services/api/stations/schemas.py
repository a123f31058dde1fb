"""Bodies of the station endpoints."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from contracts.enums import Stage

BoardSort = Literal["age", "idle", "due", "enterprise", "stage"]


class BoardCase(BaseModel):
    loan_id: str
    enterprise_id: str
    enterprise_name: str
    stage: Stage
    stage_label: str
    waiting_on: list[str] = Field(description="the roles the case waits on")
    next_actions: list[str] = Field(description="the steps it waits on, the specialist's own first")
    due: date | None = Field(description="the next date that matters")
    due_what: str | None = Field(description="registration_deadline, planned_visit or instalment")
    last_visit: date | None
    stage_since: date
    age: int = Field(description="working days in the current stage")
    idle: int = Field(description="working days since the last activity")
    stalled: bool = Field(description="no activity for the stage's number of working days")
    near_deadline: bool = Field(description="the due date within 3 working days, or past")
    provisional: bool = Field(description="counted through a year whose official holidays are not yet published")
    specialist: str | None = Field(default=None, description="the specialist the enterprise is assigned to")
    specialist_sub: str | None = Field(default=None, description="their sign-in subject")


class Board(BaseModel):
    station_id: str
    station_name: str
    today: date
    stalled_after: dict[Stage, int] = Field(description="working days without activity that flag a case, per stage")
    cases: list[BoardCase]
