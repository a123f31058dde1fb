"""`LoanDep`: the loan named in the path, if the caller may see it (404 otherwise, never another party's data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from services.api.dependencies import PrincipalDep, SessionDep
from services.api.loans.exceptions import LoanNotFound
from services.api.loans.service import can_see
from services.store import loans as repository
from services.store.tables import Loan


async def get_visible_loan(
    loan_id: Annotated[str, Path(min_length=1, max_length=64)], session: SessionDep, principal: PrincipalDep
) -> Loan:
    loan = await repository.get_loan(session, loan_id)
    if loan is None or not can_see(principal, loan):
        raise LoanNotFound(loan_id)
    return loan


LoanDep = Annotated[Loan, Depends(get_visible_loan)]
