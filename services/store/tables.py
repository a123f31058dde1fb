"""SQLModel tables of the read model, reference data, idempotency records and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from contracts.enums import District, OrganisationKind


def _tz() -> DateTime:
    return DateTime(timezone=True)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a model, for statements built once and run without the ORM layer."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


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
    # Who holds a pending key: a new token each time the key is claimed (or taken over once its lease ran out),
    # so that only the request holding it may complete or release the key.
    claim_token: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))


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


class DistrictRow(SQLModel, table=True):
    """The districts of Shenzhen (reference data)."""

    __tablename__ = "district"

    code: str = Field(primary_key=True, max_length=16)
    name: str = Field(sa_column=Column(Text, nullable=False))


class Enterprise(SQLModel, table=True):
    """A borrower (出质人): identified by its unified social credit code."""

    __tablename__ = "enterprise"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(sa_column=Column(Text, nullable=False))
    credit_code: str = Field(sa_column=Column(String(18), nullable=False, unique=True))
    credit_code_override_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    district: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    size_class: str = Field(sa_column=Column(String(16), nullable=False))
    legal_person: str = Field(sa_column=Column(Text, nullable=False))
    contact_name: str = Field(sa_column=Column(Text, nullable=False))
    contact_phone: str = Field(sa_column=Column(String(32), nullable=False))
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


class IpAsset(SQLModel, table=True):
    """A patent, trademark or copyright that an enterprise owns and may pledge."""

    __tablename__ = "ip_asset"
    __table_args__ = (UniqueConstraint("kind", "number", name="uq_ip_asset_kind_number"),)

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    number: str = Field(sa_column=Column(String(64), nullable=False))
    title: str = Field(sa_column=Column(Text, nullable=False))
    owner_enterprise_id: str = Field(
        sa_column=Column(String(64), ForeignKey("enterprise.id"), nullable=False, index=True)
    )
    co_owners: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    expiry_date: date = Field(sa_column=Column(Date, nullable=False))
    legal_status: str = Field(sa_column=Column(String(16), nullable=False))
    fees_paid: bool = Field(sa_column=Column(Boolean, nullable=False))
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


class LoanProduct(SQLModel, table=True):
    """A bank's IP pledge loan product (e.g. 中国银行 惠如愿·知惠贷)."""

    __tablename__ = "loan_product"

    id: str = Field(primary_key=True, max_length=64)
    bank_id: str = Field(sa_column=Column(String(64), ForeignKey("organisation.id"), nullable=False, index=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    pledge_rates: dict[str, str] = Field(sa_column=Column(JSONB, nullable=False))
    min_term_months: int = Field(sa_column=Column(Integer, nullable=False))
    max_term_months: int = Field(sa_column=Column(Integer, nullable=False))
    min_spread_bp: int = Field(sa_column=Column(Integer, nullable=False))
    max_spread_bp: int = Field(sa_column=Column(Integer, nullable=False))
    repayment_modes: list[str] = Field(sa_column=Column(JSONB, nullable=False))
    requires_guarantor: bool = Field(sa_column=Column(Boolean, nullable=False))
    requires_insurer: bool = Field(sa_column=Column(Boolean, nullable=False))
    day_count: str = Field(default="act_360", sa_column=Column(String(16), nullable=False, server_default="act_360"))
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


class LprRate(SQLModel, table=True):
    """The one-year Loan Prime Rate (贷款市场报价利率) from its effective date."""

    __tablename__ = "lpr_rate"

    effective_date: date = Field(sa_column=Column(Date, primary_key=True))
    one_year_percent: Decimal = Field(sa_column=Column(Numeric(6, 4), nullable=False))
    five_year_percent: Decimal | None = Field(default=None, sa_column=Column(Numeric(6, 4), nullable=True))


class Loan(SQLModel, table=True):
    """Read model of a loan, written only by the workflow's activities; `state` is the workflow's last word."""

    __tablename__ = "loan"

    id: str = Field(primary_key=True, max_length=64)
    enterprise_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    enterprise_name: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    district: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    bank_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    station_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    valuer_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    guarantor_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    insurer_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    stage: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    opened_at: datetime = Field(sa_column=Column(_tz(), nullable=False, index=True))
    updated_at: datetime = Field(sa_column=Column(_tz(), nullable=False, index=True))  # lists by activity
    step_count: int = Field(sa_column=Column(Integer, nullable=False))
    requested_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(15, 2), nullable=True))
    max_loan: Decimal | None = Field(default=None, sa_column=Column(Numeric(15, 2), nullable=True))
    approved_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(15, 2), nullable=True))
    disbursed_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(15, 2), nullable=True))
    outstanding_principal: Decimal | None = Field(default=None, sa_column=Column(Numeric(15, 2), nullable=True))
    classification: str | None = Field(default=None, sa_column=Column(String(24), nullable=True, index=True))
    overdue_since: date | None = Field(default=None, sa_column=Column(Date, nullable=True, index=True))
    # Who the loan waits on and for which steps ([{"role", "actions"}], as the state's `waiting_on`): list rows read
    # it, and the enterprise's name above, without loading `state`.
    waiting_on: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    )
    state: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    # Written by the DisposalWorkflow (never by the loan workflow's upsert): the disposal's progress.
    disposal: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))


class LoanEvent(SQLModel, table=True):
    """One step of a loan's timeline: what happened, who did it and when."""

    __tablename__ = "loan_event"
    __table_args__ = (
        UniqueConstraint("loan_id", "event_key", name="uq_loan_event_key"),
        # Two writers of one timeline (a loan step, a disposal step) cannot both take the next seq: the later one
        # fails and its activity is retried.
        UniqueConstraint("loan_id", "seq", name="uq_loan_event_seq"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    loan_id: str = Field(sa_column=Column(String(64), ForeignKey("loan.id"), nullable=False, index=True))
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    event_key: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(64), nullable=False))
    stage: str = Field(sa_column=Column(String(16), nullable=False))
    summary: str = Field(sa_column=Column(Text, nullable=False))
    actor_sub: str = Field(sa_column=Column(String(200), nullable=False))
    actor_role: str = Field(sa_column=Column(String(32), nullable=False))
    actor_org: str = Field(sa_column=Column(String(64), nullable=False))
    occurred_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    request_id: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))


class PledgeHold(SQLModel, table=True):
    """An IP asset held by an open loan; a partial unique index lets one open loan hold an asset at a time."""

    __tablename__ = "pledge_hold"
    __table_args__ = (
        Index("uq_pledge_hold_active_asset", "asset_id", unique=True, postgresql_where=text("released_at IS NULL")),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    asset_id: str = Field(sa_column=Column(String(64), ForeignKey("ip_asset.id"), nullable=False))
    loan_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    held_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    released_at: datetime | None = Field(default=None, sa_column=Column(_tz(), nullable=True))


class ScheduleLine(SQLModel, table=True):
    """One line of a loan's repayment schedule, generated at disbursement."""

    __tablename__ = "schedule_line"
    __table_args__ = (UniqueConstraint("loan_id", "seq", name="uq_schedule_line_seq"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    loan_id: str = Field(sa_column=Column(String(64), ForeignKey("loan.id"), nullable=False, index=True))
    seq: int = Field(sa_column=Column(Integer, nullable=False))
    period_start: date = Field(sa_column=Column(Date, nullable=False))
    due_date: date = Field(sa_column=Column(Date, nullable=False))
    principal: Decimal = Field(sa_column=Column(Numeric(15, 2), nullable=False))
    interest: Decimal = Field(sa_column=Column(Numeric(15, 2), nullable=False))
    paid_principal: Decimal = Field(
        default=Decimal("0.00"), sa_column=Column(Numeric(15, 2), nullable=False, server_default="0")
    )
    paid_interest: Decimal = Field(
        default=Decimal("0.00"), sa_column=Column(Numeric(15, 2), nullable=False, server_default="0")
    )


class WebhookEndpoint(SQLModel, table=True):
    """Where an organisation wants its loan events delivered, and the secret that signs them."""

    __tablename__ = "webhook_endpoint"

    org_id: str = Field(sa_column=Column(String(64), ForeignKey("organisation.id"), primary_key=True))
    url: str = Field(sa_column=Column(Text, nullable=False))
    secret: str = Field(sa_column=Column(String(128), nullable=False))
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(_tz(), nullable=False))


class WebhookDelivery(SQLModel, table=True):
    """One event for one organisation: queued, attempted (with the last answer), delivered or failed."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("event_key", "org_id", name="uq_webhook_delivery_event_org"),)

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    event_key: str = Field(sa_column=Column(String(240), nullable=False))
    org_id: str = Field(sa_column=Column(String(64), ForeignKey("organisation.id"), nullable=False, index=True))
    loan_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    kind: str = Field(sa_column=Column(String(40), nullable=False))
    url: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))  # queued, delivered, retrying, failed
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    last_attempt_at: datetime | None = Field(default=None, sa_column=Column(_tz(), nullable=True))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(_tz(), nullable=True))


class ConsoleSession(SQLModel, table=True):
    """A person signed in to the console. The browser holds a random token in an HttpOnly cookie; only the token's
    SHA-256 is stored, with who signed in, the CSRF token of their forms and when the session ends."""

    __tablename__ = "console_session"

    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    sub: str = Field(sa_column=Column(String(200), nullable=False))
    role: str = Field(sa_column=Column(String(32), nullable=False))
    org_id: str = Field(sa_column=Column(String(64), nullable=False))
    district: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    csrf: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=Column(_tz(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(_tz(), nullable=False, index=True))


class ConsoleSignIn(SQLModel, table=True):
    """A sign-in under way at the organisation's OpenID provider: what the callback must match (state, nonce) and
    the PKCE verifier, found by the hash of the browser's flow cookie and used once."""

    __tablename__ = "console_sign_in"

    flow_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    state: str = Field(sa_column=Column(String(64), nullable=False))
    nonce: str = Field(sa_column=Column(String(64), nullable=False))
    verifier: str = Field(sa_column=Column(String(128), nullable=False))
    next_path: str = Field(sa_column=Column(String(500), nullable=False))
    expires_at: datetime = Field(sa_column=Column(_tz(), nullable=False, index=True))


metadata = SQLModel.metadata
