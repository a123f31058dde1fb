"""A claim round's figures: the pro-rata cut of an oversubscribed budget and the end of the public notice."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from services.domain.calendar import WorkingCalendar, WorkingDate, working_deadline
from services.domain.money import FEN


def cut_pro_rata(approved: Mapping[str, Decimal], budget: Decimal) -> dict[str, Decimal]:
    """Each claim's share of `budget` in proportion to its approved amount, summing to the budget exactly, to the
    fen (按比例核减); unchanged when the budget covers them all.

    Each share is first rounded down to the fen; the fen left over go one each to the claims with the largest
    remainders (ties: the smaller id first, so the cut is the same on every run), never above a claim's approved
    amount."""
    total = sum(approved.values(), Decimal(0))
    if total <= budget:
        return dict(approved)
    shares: dict[str, Decimal] = {}
    remainders: list[tuple[Decimal, str]] = []
    for claim, amount in approved.items():
        exact = amount * budget / total
        shares[claim] = exact.quantize(FEN, rounding=ROUND_DOWN)
        remainders.append((exact - shares[claim], claim))
    left = int((budget - sum(shares.values(), Decimal(0))) / FEN)
    for _, claim in sorted(remainders, key=lambda r: (-r[0], r[1])):
        if left == 0:
            break
        if shares[claim] + FEN <= approved[claim]:
            shares[claim] += FEN
            left -= 1
    return shares


def notice_ends(published_on: date, working_days: int, calendar: WorkingCalendar | None = None) -> WorkingDate:
    """The last day of a public notice of `working_days` working days published on `published_on` (which counts
    when it is a working day itself), by the official calendar with its make-up days (调休); provisional when
    counted through a year whose calendar is not yet published."""
    return working_deadline(published_on - timedelta(days=1), working_days, calendar)
