"""SQLModel tables of the read model, reference data, idempotency records and the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from contracts.enums import District, OrganisationKind


def _tz() -> DateTime:
    return DateTime(timezone=True)


class Organisation(SQLModel, table=True):
    """A bank (branch), guarantee company, insurer, appraisal agency, service station or office."""

    __tablename__ = "organisation"

    id: str = Field(primary_key=True, max_length=64)
    kind: OrganisationKind = Field(sa_column=Column(String(32), nullable=False, index=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    branch: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    district: District | None = Field(default=None, sa_column=Column(String(16), nullable=True, index=True))
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


class IdempotencyRecord(SQLModel, table=True):
    """The first response to a POST with an `Idempotency-Key`, replayed to every retry of it."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("caller", "key", name="uq_idempotency_caller_key"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    caller: str = Field(sa_column=Column(String(300), nullable=False))
    key: str = Field(sa_column=Column(String(255), nullable=False))
    request_digest: str = Field(sa_column=Column(String(64), nullable=False))
    status_code: int | None = Field(default=None, sa_column=Column(SmallInteger, nullable=True))
    content_type: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    response_body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=Column(_tz(), nullable=True))


class AuditRecord(SQLModel, table=True):
    """One link of an append-only, hash-chained audit trail; one chain per loan or other target."""

    __tablename__ = "audit_record"
    __table_args__ = (
        UniqueConstraint("chain", "seq", name="uq_audit_chain_seq"),
        Index("ix_audit_record_target", "target_type", "target_id"),
        Index(
            "uq_audit_chain_dedup", "chain", "dedup_key", unique=True, postgresql_where=text("dedup_key IS NOT NULL")
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    chain: str = Field(sa_column=Column(String(200), nullable=False))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    occurred_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    actor_sub: str = Field(sa_column=Column(String(200), nullable=False))
    actor_role: str = Field(sa_column=Column(String(32), nullable=False))
    actor_org: str = Field(sa_column=Column(String(64), nullable=False))
    action: str = Field(sa_column=Column(String(100), nullable=False))
    target_type: str = Field(sa_column=Column(String(50), nullable=False))
    target_id: str = Field(sa_column=Column(String(200), nullable=False))
    request_id: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    trace_id: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    payload_digest: str = Field(sa_column=Column(String(64), nullable=False))
    details: dict[str, object] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    dedup_key: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))


metadata = SQLModel.metadata
