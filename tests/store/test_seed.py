"""The demo reference data keeps the rules it demonstrates."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.enums import RepaymentMode
from services.store.seed_products import demo_products


def test_no_demo_product_offers_a_bullet_loan_beyond_a_year() -> None:
    """一次性还本付息 (bullet) is for loans of up to 12 months (domain §4): a product lending longer offers other
    modes only, so what a clerk reads in the product list is what the rules allow."""
    offering = [
        (product.id, product.max_term_months)
        for product in demo_products(datetime.now(UTC))
        if RepaymentMode.BULLET.value in product.repayment_modes and product.max_term_months > 12
    ]
    assert offering == []
