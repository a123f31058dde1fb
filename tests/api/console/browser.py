"""The console in a real browser: the loans stack served over HTTP on a free port, and Debian's Chromium driven by
Playwright (never a downloaded browser). `make test` installs chromium and fonts-noto-cjk when they are missing
(tests/browser_setup.py); without them these tests fail and say what to install."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser, Dialog, Page, ViewportSize, async_playwright

from services.platform.embedded import free_port
from tests.api.loan_stack import Stack

CHROMIUM = "/usr/bin/chromium"
# The machine's network is closed: without these, Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "build" / "screenshots"
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}


@asynccontextmanager
async def served(stack: Stack) -> AsyncIterator[str]:
    """`stack`'s app over HTTP (its lifespan is already running: uvicorn does not run it again)."""
    async with serve_app(stack.app) as url:
        yield url


@asynccontextmanager
async def serve_app(app: Any) -> AsyncIterator[str]:
    """An ASGI app on a free port of this machine, without its lifespan."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  uvicorn says it is listening only by this flag
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        raise RuntimeError(
            f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk (make test does it as root)"
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@dataclass
class Console:
    """One person's browser on the console."""

    base: str
    page: Page
    dialogs: list[str]  # the confirmations the person was asked (and answered yes)

    async def sign_in(self, sub: str) -> None:
        await self.page.goto(f"{self.base}/console/sign-in")
        await self.page.click(f"button[data-sub='{sub}']")
        await self.page.wait_for_url(f"{self.base}/console")

    async def open(self, path: str) -> Any:
        return await self.page.goto(f"{self.base}{path}")

    async def take(self, loan_id: str, action: str, body: dict[str, Any], shot: str | None = None) -> None:
        """Open the loan, click the step's button, fill its form from the API's JSON `body`, send it, and wait for the
        loan page the console returns to (failing with the form's messages if it stays)."""
        await self.open(f"/console/loans/{loan_id}")
        await self.page.click(f"[data-action='{action}']")
        await self.page.wait_for_selector("#step-form")
        await fill(self.page, body)
        if shot is not None:  # the filled form: checked by axe, and pictured
            await self.accessible()
            await self.screenshot(shot)
        async with self.page.expect_navigation():
            await self.page.click("#step-submit")
        if await self.page.locator("#step-form").count():
            raise AssertionError(await self.page.locator("#step-form").inner_text())

    async def accessible(self) -> None:
        """No serious or critical violation of axe's rules on the page as it is now."""
        results = await Axe().run(self.page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, results.generate_report()

    async def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


async def fill(page: Page, body: dict[str, Any]) -> None:
    """A step form filled as the API's JSON body says: a checkbox per yes/no, one line per list item (or a box per
    value of a set), a choice in a select, text otherwise."""
    for name, value in body.items():
        field = page.locator(f"#f-{name}")
        tag = await field.evaluate("element => element.tagName")
        if isinstance(value, bool):
            await (field.check() if value else field.uncheck())
        elif tag == "FIELDSET":
            for item in value:
                await field.locator(f"input[value='{item}']").check()
        elif isinstance(value, list):
            await field.fill("\n".join(value))
        elif tag == "SELECT":
            await field.select_option(str(value))
        else:
            await field.fill(str(value))


@asynccontextmanager
async def person(browser: Browser, base: str) -> AsyncIterator[Console]:
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    asked: list[str] = []

    async def confirm(dialog: Dialog) -> None:  # "this cannot be undone": yes
        asked.append(dialog.message)
        await dialog.accept()

    page.on("dialog", confirm)
    try:
        yield Console(base, page, asked)
    finally:
        await context.close()
