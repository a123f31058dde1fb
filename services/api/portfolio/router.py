"""`GET /portfolio`: the caller's loans counted by stage and by classification."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.dependencies import PrincipalDep, SessionDep
from services.api.errors import Unauthenticated, problem_responses
from services.api.portfolio import service
from services.api.portfolio.schemas import Portfolio

router = APIRouter(prefix="/portfolio", tags=["portfolio"])


@router.get(
    "",
    response_model=Portfolio,
    summary="Your loans by stage and by five-tier classification: how many, and the principal outstanding",
    responses=problem_responses(Unauthenticated),
)
async def get_portfolio(session: SessionDep, principal: PrincipalDep) -> Portfolio:
    return await service.portfolio(session, principal)
