"""How the console writes money and time: ¥ with thousands separators to the fen, dates and times in Shanghai."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from services.domain.calendar import SHANGHAI

FEN = Decimal("0.01")


def money(value: Decimal | int | str | None) -> str:
    """¥1,234,567.89 (exact: Decimal, rounded half up to the fen); an em dash when there is no amount."""
    if value is None:
        return "—"
    amount = Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(SHANGHAI).date()
    return value.isoformat()


def moment(value: datetime | None) -> str:
    """2026-11-30 20:15 (Shanghai)."""
    return "—" if value is None else value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
