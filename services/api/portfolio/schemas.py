"""Bodies of `GET /portfolio`."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


class PortfolioGroup(BaseModel):
    key: str = Field(description="the stage or the classification (`unclassified` before disbursement)")
    label: str = Field(description="its Chinese name")
    loans: int
    outstanding_principal: Decimal


class Portfolio(BaseModel):
    by_stage: list[PortfolioGroup]
    by_classification: list[PortfolioGroup] = Field(description="loans being repaid or in default, by 五级分类")
