"""Request bodies of the origination steps, shared by the end-to-end tests and the HTTP benchmark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.domain.calendar import shanghai_date

QUALIFIED = {
    "registered_in_district": True,
    "taxpaying_in_district": True,
    "independent_legal_person": True,
    "owns_ip": True,
    "ip_valid_and_fees_paid": True,
}

# 3,000,000 over 12 months at LPR + 50 bp, interest monthly, with the demo guarantee company.
PROPOSAL = {
    "amount": "3000000.00",
    "spread_bp": 50,
    "term_months": 12,
    "repayment_mode": "monthly_interest",
    "credit_support": ["guarantee_company"],
    "guarantor_id": "sz-guarantee",
}


def application(asset_id: str) -> dict[str, Any]:
    return {
        "bank_id": "boc-shenzhen",
        "product_id": "boc-zhihuidai",
        "requested_amount": "3000000.00",
        "requested_term_months": 12,
        "asset_ids": [asset_id],
        "valuer_id": "demo-appraisal",
    }


def valuation(asset_id: str, report_number: str) -> dict[str, Any]:
    """A report worth 10,000,000 dated today (Shanghai), valid for a year."""
    today = shanghai_date(datetime.now(UTC))
    return {
        "asset_id": asset_id,
        "method": "income",
        "value": "10000000.00",
        "base_date": today.isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
        "report_number": report_number,
        "agency": "演示资产评估有限公司",
        "fee": "20000.00",
    }
