"""Bodies of the subsidy policy endpoints and of the calculator."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from contracts.enums import District, SizeClass
from contracts.subsidy_policy import PolicyTerms, SubsidyKind


class PolicyVersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="`<district>-<year>-v<version>`")
    district: District
    year: int
    version: int
    effective_from: date
    title: str
    reason: str
    created_by: str
    created_at: datetime


class PolicyVersionRead(PolicyVersionSummary):
    terms: PolicyTerms


class EstimateLine(BaseModel):
    step: str = Field(description="claimed, evidence, base, rate_cap, fee_cap, ip_share, ratio, cap or result")
    label: str = Field(description="the step's name in Chinese")
    amount: Decimal
    how: str = Field(description="how the amount was reached, in Chinese")


class SubsidyEstimate(BaseModel):
    """What a claim of `kind` for the loan would yield today under the policy version in force: an estimate (the
    amount granted is decided at review, with the enterprise's other claims of the year counted)."""

    loan_id: str
    kind: SubsidyKind
    kind_label: str
    policy_id: str
    policy_title: str
    period_start: date
    period_end: date
    size_class: SizeClass
    eligible: bool
    refusals: list[str] = Field(description="each of the policy's conditions the claim would not meet")
    lines: list[EstimateLine]
    amount: Decimal
