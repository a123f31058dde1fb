"""Fixtures of the console's browser tests: Chromium and the loans stack served over HTTP, once per module."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser

from tests.api.console.browser import chromium, served
from tests.api.loan_stack import Stack


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest.fixture(scope="module")
async def base(stack: Stack) -> AsyncIterator[str]:
    """The address of `stack`'s app served over HTTP."""
    async with served(stack) as url:
        yield url
