"""The demo's caller: each demo user's token, and one step sent as that user with a careful client
(`services.cli.client`), a refusal or a give-up raised as `StepFailed`. The loan's story (services/cli/demo.py)
and the subsidy claim's (services/cli/demo_subsidy.py) both act through it."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import httpx

from contracts.enums import Role
from services.cli.client import CarefulClient, GaveUp
from services.domain.calendar import shanghai_date
from services.platform.auth import mint_token
from services.store.seed import DEMO_USERS


class StepFailed(Exception):
    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"step '{step}' failed: {detail}")
        self.step = step


def default_api() -> str:
    return f"http://127.0.0.1:{os.environ.get('PLEDGEFLOW_API_PORT', '8000')}"


class DemoCaller:
    def __init__(self, http: httpx.AsyncClient, secret: str) -> None:
        self.http = http
        self.secret = secret
        self.careful = CarefulClient(http, deadline=120)
        self.tokens = {
            user.role: mint_token(secret, sub=user.sub, role=user.role, org_id=user.org_id, district=user.district)
            for user in reversed(DEMO_USERS)  # the first demo user of a role acts (a second bank's officer exists)
        }
        self.today = shanghai_date(datetime.now(UTC))

    async def call(self, step: str, role: Role, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        try:
            if method == "POST":
                response = await self.careful.post(path, body or {}, headers)
            else:
                response = await self.careful.get(path, headers)
        except GaveUp as error:
            raise StepFailed(step, f"the API at {self.http.base_url} gave no final answer ({error.last})") from error
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise StepFailed(step, f"HTTP {response.status_code}: {detail}")
        return response.json()

    async def step(self, n: int, step: str, role: Role, path: str, body: dict[str, Any]) -> dict[str, Any]:
        loan: dict[str, Any] = await self.call(step, role, "POST", path, body)
        print(f"{n:>2}. {step:<34} by {role.value:<19} → stage {loan['stage']} ({loan['stage_label']})", flush=True)
        return loan

    async def reach(self) -> None:
        """Fail fast when nothing answers at all (the stack is not running), rather than retry for minutes."""
        try:
            await self.careful.get("/healthz", {}, deadline=10)
        except GaveUp as error:
            raise StepFailed("reach the API", f"nothing answers at {self.http.base_url} ({error.last})") from error
