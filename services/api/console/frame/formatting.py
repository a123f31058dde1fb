"""How the console writes money and time: ¥ with thousands separators to the fen, dates and times in Shanghai.

Each answer is made of digits, separators and ¥ only, so it is returned as markup (nothing to escape: a list of
25 loans escapes a few hundred values fewer)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from markupsafe import Markup

from services.domain.calendar import SHANGHAI

FEN = Decimal("0.01")


def money(value: Decimal | int | str | None) -> Markup:
    """¥1,234,567.89 (exact: Decimal, rounded half up to the fen); an em dash when there is no amount."""
    if value is None:
        return Markup("—")
    amount = Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return Markup(f"{sign}¥{abs(amount):,.2f}")  # noqa: S704  digits, separators and ¥ only


def day(value: date | datetime | None) -> Markup:
    if value is None:
        return Markup("—")
    if isinstance(value, datetime):
        value = value.astimezone(SHANGHAI).date()
    return Markup(value.isoformat())  # noqa: S704  a date: digits and dashes


def moment(value: datetime | None) -> Markup:
    """2026-11-30 20:15 (Shanghai)."""
    shown = "—" if value is None else value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return Markup(shown)  # noqa: S704  digits, dashes and a colon
