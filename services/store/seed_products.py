"""Demo loan products of the demo banks, and the LPR table (one-year and five-year rates as published)."""

from __future__ import annotations

from datetime import date, datetime

from contracts.enums import IPKind, RepaymentMode
from services.store.tables import LoanProduct


def _product(
    id_: str,
    bank: str,
    name: str,
    rates: dict[IPKind, str],
    terms: tuple[int, int],
    spreads: tuple[int, int],
    modes: list[RepaymentMode],
    now: datetime,
    *,
    guarantor: bool = False,
    insurer: bool = False,
) -> LoanProduct:
    return LoanProduct(
        id=id_,
        bank_id=bank,
        name=name,
        pledge_rates={k.value: v for k, v in rates.items()},
        min_term_months=terms[0],
        max_term_months=terms[1],
        min_spread_bp=spreads[0],
        max_spread_bp=spreads[1],
        repayment_modes=[m.value for m in modes],
        requires_guarantor=guarantor,
        requires_insurer=insurer,
        created_at=now,
    )


_PATENTS_AND_MARKS = {
    IPKind.INVENTION_PATENT: "0.40",
    IPKind.UTILITY_MODEL: "0.30",
    IPKind.DESIGN_PATENT: "0.20",
    IPKind.TRADEMARK: "0.50",
    IPKind.SOFTWARE_COPYRIGHT: "0.30",
    IPKind.COPYRIGHT: "0.20",
}


def demo_products(now: datetime) -> list[LoanProduct]:
    # Each of these lends for up to 36 months, and 一次性还本付息 (bullet) is for loans of up to 12 (domain §4): a
    # product's list of modes holds for its whole range of terms, so a product lending longer offers the others.
    every_mode_but_bullet: list[RepaymentMode] = [m for m in RepaymentMode if m is not RepaymentMode.BULLET]
    return [
        _product(
            "boc-zhihuidai",
            "boc-shenzhen",
            "惠如愿·知惠贷",
            _PATENTS_AND_MARKS,
            (3, 36),
            (0, 150),
            every_mode_but_bullet,
            now,
        ),
        _product(
            "icbc-zhihuidai",
            "icbc-shenzhen",
            "智惠贷",
            {IPKind.INVENTION_PATENT: "0.25", IPKind.UTILITY_MODEL: "0.15", IPKind.TRADEMARK: "0.50"},
            (6, 36),
            (-20, 100),
            [RepaymentMode.MONTHLY_INTEREST, RepaymentMode.EQUAL_INSTALMENT],
            now,
        ),
        _product(
            "cmb-zhichandai",
            "cmb-shenzhen",
            "知识产权质押贷",
            _PATENTS_AND_MARKS,
            (6, 36),
            (0, 200),
            every_mode_but_bullet,
            now,
        ),
        _product(
            "srcb-zhiyadai",
            "srcb",
            "知识产权质押贷（专业免费评估）",
            _PATENTS_AND_MARKS,
            (6, 36),
            (20, 200),
            every_mode_but_bullet,
            now,
        ),
        _product(
            "webank-zhichandai",
            "webank",
            "微众知产贷",
            _PATENTS_AND_MARKS,
            (3, 24),
            (50, 250),
            [RepaymentMode.EQUAL_INSTALMENT, RepaymentMode.EQUAL_PRINCIPAL, RepaymentMode.MONTHLY_INTEREST],
            now,
            insurer=False,
        ),
    ]


# One-year and five-year LPR (全国银行间同业拆借中心); kept as data, extended when a new quote is published.
DEMO_LPR: tuple[tuple[date, str, str], ...] = (
    (date(2023, 8, 21), "3.45", "4.20"),
    (date(2024, 2, 20), "3.45", "3.95"),
    (date(2024, 7, 22), "3.35", "3.85"),
    (date(2024, 10, 21), "3.10", "3.60"),
    (date(2025, 5, 20), "3.00", "3.50"),
)
