"""Bodies of the product, LPR and district endpoints."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.enums import DayCount, District, IPKind, RepaymentMode
from contracts.loan_state import ProductTerms
from contracts.types import Flag, Id, ShortText
from services.domain.loan_rules.origination import BULLET_MAX_TERM_MONTHS

Rate = Decimal


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    bank_id: Id
    name: ShortText
    pledge_rates: dict[IPKind, Decimal] = Field(
        min_length=1, max_length=len(IPKind), description="Loan-to-value per IP kind, e.g. 0.40."
    )
    min_term_months: int = Field(ge=1, le=120)
    max_term_months: int = Field(ge=1, le=120)
    min_spread_bp: int = Field(ge=-500, le=2000)
    max_spread_bp: int = Field(ge=-500, le=2000)
    repayment_modes: list[RepaymentMode] = Field(min_length=1, max_length=len(RepaymentMode))
    requires_guarantor: Flag = False
    requires_insurer: Flag = False
    day_count: DayCount = Field(default=DayCount.ACT_360, description="interest day count: act_360 or act_365")

    @model_validator(mode="after")
    def _ranges(self) -> ProductCreate:
        if self.min_term_months > self.max_term_months:
            raise ValueError("min_term_months is above max_term_months")
        if self.min_spread_bp > self.max_spread_bp:
            raise ValueError("min_spread_bp is above max_spread_bp")
        if any(not (Decimal(0) < rate <= Decimal(1)) for rate in self.pledge_rates.values()):
            raise ValueError("a pledge rate is a fraction above 0 and at most 1, e.g. 0.40")
        if RepaymentMode.BULLET in self.repayment_modes and self.min_term_months > BULLET_MAX_TERM_MONTHS:
            # The loan rule (services/domain/loan_rules/origination) would refuse every bullet proposal under it.
            raise ValueError(
                f"{RepaymentMode.BULLET.label} (bullet) is for loans of at most {BULLET_MAX_TERM_MONTHS} months, and "
                f"this product's shortest term is {self.min_term_months}: remove bullet or allow shorter terms"
            )
        return self


class ProductRead(ProductTerms):
    """A loan product, exactly as loans copy it into their application (`contracts.loans.ProductTerms`)."""


class LprCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    effective_date: date
    one_year_percent: Decimal = Field(gt=0, lt=20, max_digits=6, decimal_places=4)
    five_year_percent: Decimal | None = Field(default=None, gt=0, lt=20, max_digits=6, decimal_places=4)


class LprRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    effective_date: date
    one_year_percent: Decimal
    five_year_percent: Decimal | None


class DistrictRead(BaseModel):
    code: District
    name: str
