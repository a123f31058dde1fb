"""`GET /healthz` (the process answers) and `GET /readyz` (PostgreSQL and Temporal answer too)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Literal

import structlog
from fastapi import APIRouter
from pydantic import BaseModel

from services.api.dependencies import ResourcesDep
from services.api.errors import ServiceUnavailable, problem_responses
from services.store.db import ping

router = APIRouter(tags=["health"])
log = structlog.get_logger("pledgeflow.api.health")

CHECK_TIMEOUT_SECONDS = 3.0


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, Literal["ok"]]


@router.get("/healthz", response_model=Health, summary="The process is alive")
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="PostgreSQL and Temporal are reachable",
    responses=problem_responses(ServiceUnavailable),
)
async def readyz(resources: ResourcesDep) -> Readiness:
    async def postgres() -> None:
        await asyncio.wait_for(ping(resources.engine), CHECK_TIMEOUT_SECONDS)

    async def temporal() -> None:
        await resources.temporal.service_client.check_health(timeout=timedelta(seconds=CHECK_TIMEOUT_SECONDS))

    names = ("postgresql", "temporal")
    results = await asyncio.gather(postgres(), temporal(), return_exceptions=True)
    failing = [name for name, result in zip(names, results, strict=True) if isinstance(result, BaseException)]
    for name, result in zip(names, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("not ready", part=name, error=repr(result)[:300])
    if failing:
        raise ServiceUnavailable(
            f"Not ready: {' and '.join(failing)} {'is' if len(failing) == 1 else 'are'} not reachable.",
            extra={"failing": failing},
        )
    return Readiness(checks=dict.fromkeys(names, "ok"))
