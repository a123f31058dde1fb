"""District subsidy policies as versioned data (domain.md §3, guideline §二): what each kind of support pays, to
whom, on which base and with which materials. A district writes its rules each year and may revise them within the
year; every version is kept with the date it takes effect, and a claim is evaluated under the version in force on
its filing date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from contracts.base import Model
from contracts.enums import District, IPKind, SizeClass
from contracts.types import Id, Money, ShortText, Text


class SubsidyKind(StrEnum):
    """The kinds of support: four paid to enterprises against a loan's costs, two to banks and issuers."""

    INTEREST = "interest"
    VALUATION_FEE = "valuation_fee"
    GUARANTEE_FEE = "guarantee_fee"
    INSURANCE_PREMIUM = "insurance_premium"
    BANK_INSTITUTION = "bank_institution"
    SECURITISATION = "securitisation"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]

    @property
    def is_fee(self) -> bool:
        """A service fee paid to a third party (valuer, guarantor, insurer), capped as a share of principal."""
        return self in (SubsidyKind.VALUATION_FEE, SubsidyKind.GUARANTEE_FEE, SubsidyKind.INSURANCE_PREMIUM)

    @property
    def for_a_loan(self) -> bool:
        """Claimed by the enterprise against one of its loans."""
        return self not in (SubsidyKind.BANK_INSTITUTION, SubsidyKind.SECURITISATION)

    @property
    def by_a_bank(self) -> bool:
        """Claimed by a bank for the IP pledge loans it made in the district (not by an enterprise)."""
        return self is SubsidyKind.BANK_INSTITUTION


_KIND_LABELS = {
    SubsidyKind.INTEREST: "贷款贴息",
    SubsidyKind.VALUATION_FEE: "评估费资助",
    SubsidyKind.GUARANTEE_FEE: "担保费资助",
    SubsidyKind.INSURANCE_PREMIUM: "保险费资助",
    SubsidyKind.BANK_INSTITUTION: "银行金融机构资助",
    SubsidyKind.SECURITISATION: "知识产权证券化资助",
}


class InterestBase(StrEnum):
    """What the interest subsidy is a share of."""

    PAID = "paid"  # the interest actually paid
    RATE_CAPPED = "rate_capped"  # the interest paid, its rate counted no higher than the LPR + a cap (Beijing)


class RepaymentCondition(StrEnum):
    """When a loan's cost may be claimed."""

    INTEREST_STARTED = "interest_started"  # 先付后贴: interest has been paid at least once
    FULLY_REPAID = "fully_repaid"  # the loan is repaid in full (福田)


class Supplied(StrEnum):
    """A material pledgeflow holds itself and links to the claim, so that nobody uploads it."""

    LOAN_CONTRACT = "loan_contract"
    DISBURSEMENT_VOUCHER = "disbursement_voucher"
    PLEDGE_REGISTRATION = "pledge_registration"
    INTEREST_PAYMENTS = "interest_payments"
    VALUATION_REPORT = "valuation_report"
    GUARANTEE_CONTRACT = "guarantee_contract"
    INSURANCE_CONTRACT = "insurance_contract"
    BANK_LOANS = "bank_loans"  # a bank's IP pledge loans in the district: contracts, registrations, disbursements


class Material(Model):
    """One item of a kind's checklist."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
    name: ShortText
    required: bool = Field(default=True, description="false: needed only when `condition` holds")
    condition: ShortText | None = None
    supplied: Supplied | None = Field(default=None, description="filled in by pledgeflow from what it holds")

    @model_validator(mode="after")
    def _conditional_says_when(self) -> Material:
        if not self.required and self.condition is None:
            raise ValueError(f"the conditional material {self.code!r} needs its condition")
        return self


_HUNDREDTH = Decimal("0.01")
# A share in percent, to two places ("70.00"), above 0 and at most 100.
Percent = Annotated[
    Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2), AfterValidator(lambda v: v.quantize(_HUNDREDTH))
]


class SizeTerms(Model):
    """What one size class of enterprise gets: a share of the eligible base, up to a cap per enterprise per year."""

    ratio_percent: Percent
    annual_cap: Money


class KindTerms(Model):
    """One kind of support under a policy version."""

    by_size: dict[SizeClass, SizeTerms] = Field(
        default_factory=dict,
        description="for the kinds enterprises claim: a size class left out is not supported (e.g. SMEs only)",
    )
    institution: SizeTerms | None = Field(
        default=None,
        description="bank_institution only: the share of the IP pledge loans' principal the bank made in the district, "
        "and the cap per bank per year",
    )
    base: InterestBase = InterestBase.PAID
    rate_cap_bp: int | None = Field(
        default=None, ge=0, le=2000, description="rate_capped: the rate counted at most the LPR + this many bp"
    )
    rate_cap_lpr_multiple: Decimal | None = Field(
        default=None,
        ge=1,
        le=5,
        max_digits=4,
        decimal_places=2,
        description="rate_capped: the rate counted at most the LPR times this (Beijing: LPR + 40 % is 1.40)",
    )
    fee_cap_percent: Percent | None = Field(default=None, description="a fee counted at most this share of principal")
    max_term_months: int | None = Field(default=None, ge=1, le=120)
    ip_kinds: list[IPKind] = Field(min_length=1, max_length=len(IPKind))
    repayment: RepaymentCondition = RepaymentCondition.INTEREST_STARTED
    ip_share_only: bool = Field(
        default=True, description="for a loan with other collateral too, only the IP's share of the loan counts"
    )
    first_pledge_only: bool = False
    no_stacking: bool = Field(default=True, description="not paid for a cost another subsidy already covers")
    materials: list[Material] = Field(min_length=1, max_length=40)

    @model_validator(mode="after")
    def _consistent(self) -> KindTerms:
        caps = (self.rate_cap_bp is not None) + (self.rate_cap_lpr_multiple is not None)
        if (self.base is InterestBase.RATE_CAPPED) != (caps == 1):
            raise ValueError(
                "the base rate_capped takes exactly one of rate_cap_bp and rate_cap_lpr_multiple; other bases neither"
            )
        codes = [m.code for m in self.materials]
        if len(set(codes)) != len(codes):
            raise ValueError("each material of a kind is listed once")
        return self


class PolicyTerms(Model):
    """The content of one policy version."""

    title: ShortText
    kinds: dict[SubsidyKind, KindTerms] = Field(min_length=1)
    enterprise_annual_cap: dict[SizeClass, Money] = Field(
        default_factory=dict, description="a cap per enterprise per year across all kinds, per size class"
    )
    budget: Money = Field(description="the year's budget for the claims under this policy")
    cut: Literal["pro_rata"] = Field(default="pro_rata", description="how an oversubscribed round is cut")
    notice_working_days: int = Field(default=7, ge=1, le=30)
    review_working_days: int = Field(default=10, ge=1, le=60, description="the reviewer's limit per step")
    filing_opens: date
    filing_closes: date

    @model_validator(mode="after")
    def _window(self) -> PolicyTerms:
        if self.filing_closes < self.filing_opens:
            raise ValueError("the filing window closes before it opens")
        for kind, terms in self.kinds.items():
            if kind.by_a_bank and (terms.institution is None or terms.by_size):
                raise ValueError(f"{kind.value} is claimed by banks: its terms are `institution`, not `by_size`")
            if not kind.by_a_bank and (not terms.by_size or terms.institution is not None):
                raise ValueError(f"{kind.value} is claimed by enterprises: its terms are `by_size`, per size class")
        return self


class PolicyVersion(Model):
    """A version of a district's policy for a year, as stored."""

    id: str
    district: District
    year: int
    version: int
    effective_from: date
    terms: PolicyTerms
    reason: Text
    created_by: str


class NewPolicyVersion(Model):
    """A district's policy for a year, or its revision: it takes effect on `effective_from`."""

    district: District
    year: int = Field(ge=2020, le=2100)
    effective_from: date
    terms: PolicyTerms
    reason: Text = Field(description="what this version is for or changes (published with it)")


PolicyId = Id
