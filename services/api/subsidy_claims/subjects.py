"""What a claim is for and who claims it — its subject — and the facts pledgeflow holds for it:

- **a loan**: the four cost kinds (interest, valuation, guarantee, insurance), filed by the enterprise or its station
  specialist; the facts are the loan's (services/store/subsidy_facts.compute_claim);
- **a bank**: bank-institution support, filed by the bank's own staff for the IP pledge loans it disbursed in the
  round's district during the period — pledgeflow holds those loans, so it supplies the registration list and the
  disbursement vouchers itself and computes the base from them;
- **an enterprise's securitisation**: filed by the enterprise or its specialist; pledgeflow holds none of its facts,
  so every material is uploaded and the amount is the one the vouchers show, checked by the reviewer.

Filing, correction and review all go through here, so each kind is checked and computed the same way each time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.enums import Role
from contracts.loan_state import LoanState
from contracts.subsidy_claim import ClaimState, Computation
from contracts.subsidy_policy import SubsidyKind, Supplied
from contracts.types import TRUSTED
from services.api.enterprises.exceptions import EnterpriseNotFound
from services.api.errors import Forbidden, Unprocessable
from services.api.loans.exceptions import LoanNotFound
from services.api.subsidies.exceptions import NothingToClaim
from services.api.subsidy_claims.exceptions import ClaimNotEligible
from services.api.subsidy_claims.schemas import FileClaimRequest
from services.api.visibility import scope_of
from services.domain.subsidy import claim_rules
from services.domain.subsidy.checklist import bank_loans_reference, supplied_reference
from services.domain.subsidy.facts import NotClaimable, Period
from services.platform.auth import Principal
from services.store import loans, organisations, reference
from services.store.subsidy_claims import Claimant
from services.store.subsidy_facts import (
    EnterpriseMissing,
    bank_loans,
    compute_bank_claim,
    compute_claim,
    compute_securitisation_claim,
)
from services.store.subsidy_tables import SubsidyClaim, SubsidyPolicy
from services.store.tables import Loan


@dataclass(frozen=True)
class Subject:
    kind: SubsidyKind
    district: str
    claimant: Claimant
    enterprise_id: str | None
    name: str  # the claimant's: the enterprise's, or the bank's
    bank_id: str | None
    station_id: str | None
    loan: Loan | None = None

    @property
    def loan_state(self) -> LoanState | None:
        return LoanState.model_validate(self.loan.state, context=TRUSTED) if self.loan is not None else None

    def first_day(self, today: date) -> tuple[date, date | None]:
        """The period's default first day, and the earliest it may start (None: any day of the last year)."""
        state = self.loan_state
        if state is None:
            return date(today.year, 1, 1), None
        if state.disbursement is None:
            raise NothingToClaim(f"Loan {state.loan_id} is not disbursed yet: there is no interest or fee to claim on.")
        return state.disbursement.disbursed_on, state.disbursement.disbursed_on


async def for_filing(session: AsyncSession, principal: Principal, body: FileClaimRequest, district: str) -> Subject:
    """The subject of a new claim into a round of `district`, if the caller may file it."""
    kind = body.kind
    if principal.role not in claim_rules.filers_of(kind):
        who = "the bank's own staff" if kind.by_a_bank else "the enterprise or its station specialist"
        raise Forbidden(f"{kind.label} is claimed by {who}, not by a {principal.role.label}.")
    if kind.for_a_loan:
        if body.loan_id is None:
            raise Unprocessable(f"Name the loan whose {kind.label} is claimed (loan_id).")
        loan = await loans.get_loan(session, body.loan_id)
        if (
            loan is None
            or not scope_of(principal).allows(loan)
            or (principal.role is Role.ENTERPRISE and loan.enterprise_id != principal.org_id)
        ):
            raise LoanNotFound(body.loan_id)
        return _of_loan(kind, loan)
    if body.loan_id is not None:
        raise Unprocessable(f"{kind.label} is not claimed against one loan: leave loan_id out.")
    if kind.by_a_bank:
        bank = await organisations.get_organisation(session, principal.org_id)
        name = f"{bank.name}{bank.branch or ''}" if bank is not None else principal.org_id
        return Subject(kind, district, ("bank_id", principal.org_id), None, name, principal.org_id, None)
    enterprise_id = principal.org_id if principal.role is Role.ENTERPRISE else body.enterprise_id
    if enterprise_id is None:
        raise Unprocessable("Name the enterprise you file for (enterprise_id).")
    enterprise = await reference.get_enterprise(session, enterprise_id)
    if enterprise is None or (
        principal.role is Role.STATION_SPECIALIST
        and (principal.district is None or enterprise.district != principal.district.value)
    ):
        raise EnterpriseNotFound(f"There is no enterprise {enterprise_id!r} that you can file for.")
    if enterprise.district != district:
        raise ClaimNotEligible(
            f"{enterprise.name} is registered in {enterprise.district}: a district supports the enterprises "
            "registered and paying tax there."
        )
    station = principal.org_id if principal.role is Role.STATION_SPECIALIST else None
    return Subject(kind, district, ("enterprise_id", enterprise_id), enterprise_id, enterprise.name, None, station)


def _of_loan(kind: SubsidyKind, loan: Loan) -> Subject:
    return Subject(
        kind,
        loan.district,
        ("loan_id", loan.id),
        loan.enterprise_id,
        loan.enterprise_name,
        loan.bank_id,
        loan.station_id,
        loan,
    )


async def of_claim(session: AsyncSession, claim: SubsidyClaim) -> Subject:
    """The subject of a filed claim (for its correction and review)."""
    state = ClaimState.model_validate(claim.state, context=TRUSTED)
    if claim.loan_id is not None:
        loan = await loans.get_loan(session, claim.loan_id)
        if loan is None:
            raise LoanNotFound(claim.loan_id)
        return _of_loan(state.kind, loan)
    claimant: Claimant = (
        ("bank_id", claim.bank_id or "") if state.kind.by_a_bank else ("enterprise_id", claim.enterprise_id or "")
    )
    return Subject(
        state.kind,
        claim.district,
        claimant,
        claim.enterprise_id,
        claim.enterprise_name,
        claim.bank_id,
        claim.station_id,
    )


async def held_for(session: AsyncSession, subject: Subject, period: Period) -> Callable[[Supplied], str | None]:
    """What pledgeflow holds for the subject's supplied materials over `period`."""
    state = subject.loan_state
    if state is not None:
        return partial(supplied_reference, state)
    if subject.kind.by_a_bank and subject.bank_id is not None:
        return partial(bank_loans_reference, await bank_loans(session, subject.bank_id, subject.district, period))
    return lambda _: None


async def computed(
    session: AsyncSession,
    subject: Subject,
    policy: SubsidyPolicy,
    period: Period,
    claimed: Decimal | None,
    other_subsidy: bool,
    *,
    excluding: str | None,
) -> Computation:
    """The claim's amount under `policy` (services/store/subsidy_facts), its failures as answers."""
    try:
        if subject.loan is not None:
            return await compute_claim(
                session, subject.loan, policy, subject.kind, period, claimed, other_subsidy, excluding=excluding
            )
        if subject.kind.by_a_bank:
            assert subject.bank_id is not None
            return await compute_bank_claim(
                session, subject.bank_id, subject.district, policy, period, claimed, excluding=excluding
            )
        if claimed is None:
            raise Unprocessable(f"State the amount of {subject.kind.label} claimed, as the vouchers show (claimed).")
        assert subject.enterprise_id is not None
        return await compute_securitisation_claim(
            session,
            subject.enterprise_id,
            subject.district,
            policy,
            period,
            claimed,
            other_subsidy,
            excluding=excluding,
        )
    except (NotClaimable, EnterpriseMissing) as error:
        raise NothingToClaim(str(error)) from error
