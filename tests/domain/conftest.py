"""Fixtures of the domain tests."""

from __future__ import annotations

import chinese_calendar
import pytest


@pytest.fixture
def published_to_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    """The calendar package as chinese-calendar 1.11 has it: the State Council's arrangements up to 2026, no later
    (so that the tests of an unpublished year keep testing one after the package is upgraded)."""
    for table in (chinese_calendar.holidays, chinese_calendar.workdays, chinese_calendar.in_lieu_days):
        for day in [day for day in table if day.year > 2026]:
            monkeypatch.delitem(table, day)
