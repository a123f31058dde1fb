"""SQLModel tables of the districts' white lists: the enterprises on them, and each import with its result per row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
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
