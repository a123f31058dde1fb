"""Request and response bodies of the loans endpoints (simple steps reuse the request models in contracts)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.enums import CreditSupport, District, RepaymentMode, RiskTier, Stage
from contracts.types import MAX_LIST, Id, Money, Note
from services.api.loans.view_models import NextStep


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenLoanRequest(_Body):
    enterprise_id: Id
    bank_id: Id | None = Field(default=None, description="Set when a bank opens the case (its own id).")
    note: Note | None = None


class ApplicationRequest(_Body):
    bank_id: Id
    product_id: Id
    requested_amount: Money
    requested_term_months: int = Field(ge=1, le=120)
    asset_ids: list[Id] = Field(min_length=1, max_length=MAX_LIST)
    valuer_id: Id | None = Field(default=None, description="Appraisal agency; omit for the bank's in-house valuation.")

    @field_validator("asset_ids")
    @classmethod
    def _each_asset_once(cls, asset_ids: list[str]) -> list[str]:
        twice = sorted({a for a in asset_ids if asset_ids.count(a) > 1})
        if twice:
            raise ValueError(f"asset {', '.join(twice)} is listed more than once; list each asset once")
        return asset_ids


class ProposalRequest(_Body):
    amount: Money
    spread_bp: int = Field(ge=-500, le=2000, description="Basis points over the one-year LPR in force today.")
    term_months: int = Field(ge=1, le=120)
    repayment_mode: RepaymentMode
    credit_support: list[CreditSupport] = Field(default_factory=list, max_length=len(CreditSupport))
    guarantor_id: Id | None = None
    insurer_id: Id | None = None


class LoanSummary(BaseModel):
    id: str
    stage: Stage
    stage_label: str
    enterprise_id: str
    enterprise_name: str = Field(description="as the case holds it (the enterprise's name when the case opened)")
    district: District
    bank_id: str | None
    station_id: str | None
    waiting_on: list[NextStep] | None = Field(
        default=None,
        description="who the loan waits on and for which steps, as on the loan page: for the bank, the enterprise "
        "and the station; absent for the other parties",
    )
    opened_at: datetime
    updated_at: datetime
    requested_amount: Decimal | None
    max_loan: Decimal | None
    approved_amount: Decimal | None
    disbursed_amount: Decimal | None
    outstanding_principal: Decimal | None = None
    classification: RiskTier | None = Field(default=None, description="five-tier classification (五级分类)")
    overdue_since: date | None = None
    days_past_due: int = Field(default=0, description="as of today (Shanghai)")


class LoanPage(BaseModel):
    items: list[LoanSummary]
    next_cursor: str | None


class TimelineEntry(BaseModel):
    seq: int
    kind: str
    stage: Stage
    summary: str
    by: str | None = Field(description="the person: shown to the bank and to the organisation that acted")
    role: str
    organisation: str
    at: datetime
    request_id: str | None


class ScheduleLineView(BaseModel):
    seq: int
    period_start: date
    due_date: date
    principal: Decimal
    interest: Decimal
    total: Decimal
    paid_principal: Decimal
    paid_interest: Decimal
    outstanding: Decimal = Field(description="principal and interest of the line still unpaid")
    status: Literal["paid", "partly_paid", "due", "overdue", "upcoming"]
