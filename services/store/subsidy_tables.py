"""SQLModel tables of subsidy policies, the documents uploaded for claims (and, as they come, rounds and claims)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class SubsidyPolicy(SQLModel, table=True):
    """One version of a district's subsidy policy for a year (`contracts.subsidy_policy.PolicyTerms` in `terms`).
    Versions are never changed or deleted: a claim says which one it was evaluated under."""

    __tablename__ = "subsidy_policy"
    __table_args__ = (
        UniqueConstraint("district", "year", "version", name="uq_subsidy_policy_version"),
        Index("ix_subsidy_policy_in_force", "district", "effective_from"),
    )

    id: str = Field(primary_key=True, max_length=64)
    district: str = Field(sa_column=Column(String(16), nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    effective_from: date = Field(sa_column=Column(Date, nullable=False))
    title: str = Field(sa_column=Column(Text, nullable=False))
    terms: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(sa_column=Column(String(200), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Document(SQLModel, table=True):
    """An uploaded document's metadata; its bytes are in the blob store under `sha256`."""

    __tablename__ = "document"

    id: str = Field(primary_key=True, max_length=64)
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    size: int = Field(sa_column=Column(Integer, nullable=False))
    media_type: str = Field(sa_column=Column(String(40), nullable=False))
    filename: str = Field(sa_column=Column(Text, nullable=False))
    enterprise_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    uploaded_by: str = Field(sa_column=Column(String(200), nullable=False))
    uploader_role: str = Field(sa_column=Column(String(32), nullable=False))
    uploader_org: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
