"""`LoanDep`: the loan named in the path, if the caller may see it (404 otherwise, never another party's data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.api.dependencies import PrincipalDep, SessionDep
from services.api.loans.exceptions import LoanNotFound
from services.api.params import IdPath
from services.api.visibility import scope_of
from services.store import loans as repository
from services.store.tables import Loan


async def get_visible_loan_and_names(
    loan_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> tuple[Loan, dict[str, str]]:
    """The loan with its parties' names, read once per request (FastAPI caches a dependency's result)."""
    found = await repository.get_loan_with_party_names(session, loan_id)
    if found is None or not scope_of(principal).allows(found[0]):
        raise LoanNotFound(loan_id)
    return found


_LoanAndNames = Annotated[tuple[Loan, dict[str, str]], Depends(get_visible_loan_and_names)]


async def get_visible_loan(found: _LoanAndNames) -> Loan:
    return found[0]


async def get_party_names(found: _LoanAndNames) -> dict[str, str]:
    """id → name of the loan's party organisations, read with the loan."""
    return found[1]


LoanDep = Annotated[Loan, Depends(get_visible_loan)]
PartyNamesDep = Annotated[dict[str, str], Depends(get_party_names)]
