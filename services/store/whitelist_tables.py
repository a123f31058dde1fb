"""SQLModel tables of the districts' white lists: the enterprises on them, each import with its result per row, and
the pushes of listed enterprises to banks (read model and timeline)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class WhitelistEntry(SQLModel, table=True):
    """An enterprise on a district's white list, keyed by (district, credit code); `facts` is
    `contracts.whitelist.WhitelistFacts`, the columns a list filters on copied out of it."""

    __tablename__ = "whitelist_entry"
    __table_args__ = (UniqueConstraint("district", "credit_code", name="uq_whitelist_district_code"),)

    id: str = Field(primary_key=True, max_length=64)
    district: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    credit_code: str = Field(sa_column=Column(String(18), nullable=False, index=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    categories: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    financing_need: bool = Field(sa_column=Column(Boolean, nullable=False, index=True))
    ip_total: int = Field(sa_column=Column(Integer, nullable=False))
    facts: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    import_id: str = Field(sa_column=Column(String(64), nullable=False))  # the import that last wrote it
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class WhitelistImport(SQLModel, table=True):
    """One import of a white-list file: `reviewing` until its reviewer commits it (or a later import of the district
    supersedes it); the counts of each row result."""

    __tablename__ = "whitelist_import"

    id: str = Field(primary_key=True, max_length=64)
    district: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    filename: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    format: str = Field(sa_column=Column(String(8), nullable=False))
    encoding: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    counts: dict[str, int] = Field(sa_column=Column(JSONB, nullable=False))
    created_by: str = Field(sa_column=Column(String(200), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    committed_by: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    committed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class WhitelistImportRow(SQLModel, table=True):
    """One row of an import: its number in the file, result and reason, the cells as given, and the facts to
    write when it is committed (new and updated rows)."""

    __tablename__ = "whitelist_import_row"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    import_id: str = Field(
        sa_column=Column(String(64), ForeignKey("whitelist_import.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    number: int = Field(sa_column=Column(Integer, nullable=False))
    credit_code: str = Field(sa_column=Column(Text, nullable=False))
    result: str = Field(sa_column=Column(String(16), nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    cells: dict[str, str] = Field(sa_column=Column(JSONB, nullable=False))
    facts: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))


class WhitelistPush(SQLModel, table=True):
    """Read model of a push (a white-listed enterprise offered to a bank), written only by its workflow's activity;
    `state` is the workflow's last word."""

    __tablename__ = "whitelist_push"

    id: str = Field(primary_key=True, max_length=64)
    district: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    credit_code: str = Field(sa_column=Column(String(18), nullable=False, index=True))
    enterprise_name: str = Field(sa_column=Column(Text, nullable=False))
    bank_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    status: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    remind_on: date = Field(sa_column=Column(Date, nullable=False))
    loan_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    pushed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    step_count: int = Field(sa_column=Column(Integer, nullable=False))
    state: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


class WhitelistPushEvent(SQLModel, table=True):
    """One step of a push's timeline (pushed, reminded, accepted, declined), written once."""

    __tablename__ = "whitelist_push_event"
    __table_args__ = (UniqueConstraint("push_id", "event_key", name="uq_whitelist_push_event_key"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    push_id: str = Field(sa_column=Column(String(64), ForeignKey("whitelist_push.id"), nullable=False, index=True))
    event_key: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    actor_sub: str = Field(sa_column=Column(String(200), nullable=False))
    actor_org: str = Field(sa_column=Column(String(64), nullable=False))
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
