"""The demo districts' subsidy policies for 2026 (domain.md §3): 南山, 福田, and 光明 with a revision in July.

南山: 70 % of interest, guarantee, insurance and valuation fees, ¥1.5 M per enterprise per year across them.
福田: patents only, loans of at most a year, 50 % of interest after full repayment, service fees counted at most 4 %
of principal, ¥2 M per enterprise per year.
光明: ratios by size (SMEs more than large enterprises); the July revision raises micro enterprises to 80 %.
南山 and 光明 also support banks' IP pledge lending and securitisations (demo figures: _institution_kinds)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from contracts.enums import District, IPKind, SizeClass
from contracts.subsidy_policy import (
    KindTerms,
    NewPolicyVersion,
    PolicyTerms,
    RepaymentCondition,
    SizeTerms,
    SubsidyKind,
)
from services.domain.subsidy.materials import STANDARD_MATERIALS
from services.store.subsidy_policies import row_of
from services.store.subsidy_tables import SubsidyPolicy

_COST_KINDS = (
    SubsidyKind.INTEREST,
    SubsidyKind.VALUATION_FEE,
    SubsidyKind.GUARANTEE_FEE,
    SubsidyKind.INSURANCE_PREMIUM,
)
_PATENTS = [IPKind.INVENTION_PATENT, IPKind.UTILITY_MODEL, IPKind.DESIGN_PATENT]


def _same_for_all(ratio: str, cap: str) -> dict[SizeClass, SizeTerms]:
    return {size: SizeTerms(ratio_percent=Decimal(ratio), annual_cap=Decimal(cap)) for size in SizeClass}


def _institution_kinds() -> dict[SubsidyKind, KindTerms]:
    """Support for banks (1 % of the IP pledge loans they made in the district, ¥1 M per bank per year) and for
    securitisations (50 % of the interest and guarantee fees paid, ¥1 M per enterprise per year): demo figures."""
    return {
        SubsidyKind.BANK_INSTITUTION: KindTerms(
            institution=SizeTerms(ratio_percent=Decimal("1"), annual_cap=Decimal("1000000.00")),
            ip_kinds=list(IPKind),
            materials=STANDARD_MATERIALS[SubsidyKind.BANK_INSTITUTION],
        ),
        SubsidyKind.SECURITISATION: KindTerms(
            by_size=_same_for_all("50", "1000000.00"),
            ip_kinds=list(IPKind),
            materials=STANDARD_MATERIALS[SubsidyKind.SECURITISATION],
        ),
    }


def _nanshan() -> NewPolicyVersion:
    kind = {
        "by_size": _same_for_all("70", "1500000.00"),
        "ip_kinds": list(IPKind),
        "repayment": RepaymentCondition.INTEREST_STARTED,
    }
    return NewPolicyVersion(
        district=District.NANSHAN,
        year=2026,
        effective_from=date(2026, 3, 1),
        reason="2026年度南山区知识产权质押融资资助",
        terms=PolicyTerms(
            title="南山区知识产权质押融资贴息及费用资助（2026年度）",
            kinds={k: KindTerms(**kind, materials=STANDARD_MATERIALS[k]) for k in _COST_KINDS} | _institution_kinds(),
            enterprise_annual_cap={size: Decimal("1500000.00") for size in SizeClass},
            budget=Decimal("20000000.00"),
            notice_working_days=7,
            filing_opens=date(2026, 3, 1),
            filing_closes=date(2026, 12, 31),
        ),
    )


def _futian() -> NewPolicyVersion:
    def kind(k: SubsidyKind) -> KindTerms:
        return KindTerms(
            by_size=_same_for_all("50", "2000000.00"),
            fee_cap_percent=Decimal("4") if k.is_fee else None,
            max_term_months=12,
            ip_kinds=_PATENTS,
            repayment=RepaymentCondition.FULLY_REPAID,
            materials=STANDARD_MATERIALS[k],
        )

    return NewPolicyVersion(
        district=District.FUTIAN,
        year=2026,
        effective_from=date(2026, 4, 1),
        reason="2026年度福田区专利质押融资资助",
        terms=PolicyTerms(
            title="福田区专利权质押融资贴息及费用资助（2026年度）",
            kinds={k: kind(k) for k in (SubsidyKind.INTEREST, SubsidyKind.VALUATION_FEE, SubsidyKind.GUARANTEE_FEE)},
            enterprise_annual_cap={size: Decimal("2000000.00") for size in SizeClass},
            budget=Decimal("10000000.00"),
            notice_working_days=7,
            filing_opens=date(2026, 4, 1),
            filing_closes=date(2026, 12, 31),
        ),
    )


def _guangming(micro_percent: str, effective_from: date, reason: str) -> NewPolicyVersion:
    by_size = {
        SizeClass.LARGE: SizeTerms(ratio_percent=Decimal("50"), annual_cap=Decimal("500000.00")),
        SizeClass.MEDIUM: SizeTerms(ratio_percent=Decimal("60"), annual_cap=Decimal("1000000.00")),
        SizeClass.SMALL: SizeTerms(ratio_percent=Decimal("70"), annual_cap=Decimal("1500000.00")),
        SizeClass.MICRO: SizeTerms(ratio_percent=Decimal(micro_percent), annual_cap=Decimal("1500000.00")),
    }
    return NewPolicyVersion(
        district=District.GUANGMING,
        year=2026,
        effective_from=effective_from,
        reason=reason,
        terms=PolicyTerms(
            title="光明区知识产权质押融资贴息及费用资助（2026年度）",
            kinds={
                k: KindTerms(by_size=by_size, ip_kinds=list(IPKind), materials=STANDARD_MATERIALS[k])
                for k in _COST_KINDS
            }
            | _institution_kinds(),
            budget=Decimal("8000000.00"),
            notice_working_days=7,
            filing_opens=date(2026, 2, 1),
            filing_closes=date(2026, 12, 31),
        ),
    )


def demo_policy_rows(now: datetime) -> list[SubsidyPolicy]:
    """The demo versions as rows, numbered within their district and year."""
    rows: list[SubsidyPolicy] = []
    numbers: dict[tuple[District, int], int] = {}
    for new in demo_policies():
        number = numbers[(new.district, new.year)] = numbers.get((new.district, new.year), 0) + 1
        rows.append(row_of(new, number, "seed", now))
    return rows


def demo_policies() -> list[NewPolicyVersion]:
    """The demo policy versions, oldest first within each district."""
    return [
        _nanshan(),
        _futian(),
        _guangming("70", date(2026, 2, 1), "2026年度光明区知识产权质押融资资助"),
        _guangming("80", date(2026, 7, 1), "修订：微型企业资助比例提高至80%"),
    ]
