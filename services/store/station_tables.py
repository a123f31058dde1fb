"""SQLModel tables of the service stations' own records: their visits (planned, then done, cancelled or failed), the
touches a specialist records by hand, and the calendar feeds a specialist's phone subscribes to."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, String, Text, Time
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class StationVisit(SQLModel, table=True):
    """A visit of a station to an enterprise. The columns a calendar filters on, and `record`: what the visit's end
    said (who went, the outcome, the documents, the next step; or the reason it was cancelled or failed)."""

    __tablename__ = "station_visit"

    id: str = Field(primary_key=True, max_length=64)
    station_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    enterprise_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    loan_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    state: str = Field(sa_column=Column(String(16), nullable=False))
    planned_on: date = Field(sa_column=Column(Date, nullable=False))
    starts_at: time | None = Field(default=None, sa_column=Column(Time, nullable=True))
    day: date = Field(sa_column=Column(Date, nullable=False, index=True))  # planned, or the day it ended
    place: str = Field(sa_column=Column(Text, nullable=False))
    purposes: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    specialist: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    account_manager: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    record: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    planned_by: str = Field(sa_column=Column(String(200), nullable=False))
    planned_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ended_by: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    ended_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class StationTouch(SQLModel, table=True):
    """A touch a specialist recorded by hand in an enterprise's service record (a call, a message, a meeting)."""

    __tablename__ = "station_touch"

    id: str = Field(primary_key=True, max_length=64)
    station_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    enterprise_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    loan_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    occurred_on: date = Field(sa_column=Column(Date, nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    recorded_by: str = Field(sa_column=Column(String(200), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class VisitFeed(SQLModel, table=True):
    """A specialist's calendar feed: the secret in its address is stored as its SHA-256 only; a new address
    replaces the old one (which then answers 404)."""

    __tablename__ = "visit_feed"

    token_sha256: str = Field(primary_key=True, max_length=64)
    station_id: str = Field(sa_column=Column(String(64), nullable=False))
    specialist: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class StationMember(SQLModel, table=True):
    """A person on a station's roster: a specialist (with the sign-in subject their token carries) or a partner
    bank's account manager (with the bank)."""

    __tablename__ = "station_member"

    station_id: str = Field(sa_column=Column(String(64), primary_key=True))
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    sub: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    bank_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    phone: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    active: bool = Field(sa_column=Column(Boolean, nullable=False))
    updated_by: str = Field(sa_column=Column(String(200), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class EnterpriseAssignment(SQLModel, table=True):
    """The station (and the specialist of it) that serves an enterprise; kept apart from the enterprise's own row,
    which the reference data refreshes."""

    __tablename__ = "enterprise_assignment"

    enterprise_id: str = Field(sa_column=Column(String(64), primary_key=True))
    station_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    specialist_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    assigned_by: str = Field(sa_column=Column(String(200), nullable=False))
    assigned_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
