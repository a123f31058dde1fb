"""SQLModel tables of subsidy policies, the documents uploaded for claims (and, as they come, rounds and claims)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
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


class SubsidyRound(SQLModel, table=True):
    """A district's claim round (申报批次): claims are filed into it within its window, and (next) go to public
    notice, are cut pro rata and paid together."""

    __tablename__ = "subsidy_round"

    id: str = Field(primary_key=True, max_length=64)
    district: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    policy_id: str = Field(sa_column=Column(String(64), ForeignKey("subsidy_policy.id"), nullable=False))
    title: str = Field(sa_column=Column(Text, nullable=False))
    filing_opens: date = Field(sa_column=Column(Date, nullable=False))
    filing_closes: date = Field(sa_column=Column(Date, nullable=False))
    created_by: str = Field(sa_column=Column(String(200), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SubsidyClaim(SQLModel, table=True):
    """Read model of a subsidy claim, written only by its workflow's activity; `state` is the workflow's last word.
    A loan's claims name the loan and its enterprise; a securitisation claim its enterprise only; a bank's own claim
    (bank-institution support) neither, the bank in `bank_id`."""

    __tablename__ = "subsidy_claim"

    id: str = Field(primary_key=True, max_length=64)
    round_id: str = Field(sa_column=Column(String(64), ForeignKey("subsidy_round.id"), nullable=False, index=True))
    district: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    policy_id: str = Field(sa_column=Column(String(64), nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    loan_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    enterprise_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    enterprise_name: str = Field(sa_column=Column(Text, nullable=False))  # the claimant's: a bank's for its own
    station_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    bank_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    status: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    period_start: date = Field(sa_column=Column(Date, nullable=False))
    period_end: date = Field(sa_column=Column(Date, nullable=False))
    claimed: Decimal = Field(sa_column=Column(Numeric(15, 2), nullable=False))
    computed: Decimal = Field(sa_column=Column(Numeric(15, 2), nullable=False))
    approved: Decimal | None = Field(default=None, sa_column=Column(Numeric(15, 2), nullable=True))
    funded: Decimal | None = Field(default=None, sa_column=Column(Numeric(15, 2), nullable=True))
    paid: Decimal | None = Field(default=None, sa_column=Column(Numeric(15, 2), nullable=True))
    review_deadline: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    filed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    step_count: int = Field(sa_column=Column(Integer, nullable=False))
    state: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


class SubsidyClaimEvent(SQLModel, table=True):
    """One step of a claim's timeline."""

    __tablename__ = "subsidy_claim_event"
    __table_args__ = (UniqueConstraint("claim_id", "event_key", name="uq_subsidy_claim_event_key"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    claim_id: str = Field(sa_column=Column(String(64), ForeignKey("subsidy_claim.id"), nullable=False, index=True))
    event_key: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    actor_sub: str = Field(sa_column=Column(String(200), nullable=False))
    actor_role: str = Field(sa_column=Column(String(32), nullable=False))
    actor_org: str = Field(sa_column=Column(String(64), nullable=False))
    occurred_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    request_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
