"""Counts over the loans someone may see: how many loans and how much outstanding per stage or per five-tier
classification, and each loan's next due date. Read-only; the scope is the one visibility policy's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.store.loans import LoanScope
from services.store.tables import Loan, ScheduleLine

GroupBy = Literal["stage", "classification"]


async def counts(session: AsyncSession, scope: LoanScope, by: GroupBy) -> Sequence[tuple[str | None, int, Decimal]]:
    """(stage or classification, number of loans, outstanding principal) for the loans in `scope`."""
    column = col(Loan.stage) if by == "stage" else col(Loan.classification)
    query = select(column, func.count(), func.coalesce(func.sum(col(Loan.outstanding_principal)), 0)).group_by(column)
    condition = scope.condition()
    if condition is not None:
        query = query.where(condition)
    rows = (await session.execute(query)).all()
    return [(value, int(n), Decimal(total or 0)) for value, n, total in rows]


async def next_due(session: AsyncSession, loan_ids: Sequence[str]) -> dict[str, date]:
    """Each loan's earliest schedule line not yet paid in full."""
    if not loan_ids:
        return {}
    line = ScheduleLine
    unpaid = col(line.paid_principal) + col(line.paid_interest) < col(line.principal) + col(line.interest)
    query = (
        select(col(line.loan_id), func.min(col(line.due_date)))
        .where(col(line.loan_id).in_(loan_ids), unpaid)
        .group_by(col(line.loan_id))
    )
    return {str(loan_id): due for loan_id, due in (await session.execute(query)).all()}
