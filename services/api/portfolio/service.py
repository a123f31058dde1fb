"""What `GET /portfolio` answers: counts over the caller's scope (services/api/visibility)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import RiskTier, Stage
from services.api.portfolio.schemas import Portfolio, PortfolioGroup
from services.api.visibility import scope_of
from services.platform.auth import Principal
from services.store import portfolio as repository


async def portfolio(session: AsyncSession, principal: Principal) -> Portfolio:
    scope = scope_of(principal)
    stages = {value: (n, total) for value, n, total in await repository.counts(session, scope, "stage")}
    tiers = {value: (n, total) for value, n, total in await repository.counts(session, scope, "classification")}
    return Portfolio(
        by_stage=[
            PortfolioGroup(
                key=s.value, label=s.label, loans=stages[s.value][0], outstanding_principal=_fen(stages[s.value][1])
            )
            for s in Stage
            if s.value in stages
        ],
        by_classification=[
            PortfolioGroup(
                key=t.value, label=t.label, loans=tiers[t.value][0], outstanding_principal=_fen(tiers[t.value][1])
            )
            for t in RiskTier
            if t.value in tiers
        ],
    )


def _fen(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


async def next_due(session: AsyncSession, loan_ids: Sequence[str]) -> dict[str, date]:
    """Each of these loans' next due date (the caller found them through the one visibility policy)."""
    return await repository.next_due(session, loan_ids)
