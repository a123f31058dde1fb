"""The facts of a claim as pledgeflow holds them in a loan's state: term, principal, rates, the interest paid in a
period (from the recorded repayments) and the fees recorded with the valuation and the sign-offs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.enums import SizeClass, Stage
from contracts.loan_state import LoanState
from contracts.subsidy_policy import SubsidyKind
from services.domain.subsidy.amounts import ZERO, ClaimFacts


class NotClaimable(ValueError):
    """The loan has nothing a subsidy could be claimed on yet (not disbursed)."""


@dataclass(frozen=True)
class Period:
    """The days a claim covers, both included."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def interest_paid(state: LoanState, period: Period) -> Decimal:
    """Interest the enterprise paid in `period`: the interest part of each repayment or prepayment it made (not a
    guarantor's compensation, not a disposal's proceeds), by value date."""
    if state.servicing is None:
        return ZERO
    return sum(
        (
            p.allocation.interest
            for p in state.servicing.payments
            if p.kind in ("repayment", "prepayment") and p.value_date in period
        ),
        ZERO,
    )


def fees(state: LoanState) -> dict[SubsidyKind, Decimal]:
    """The fees recorded on the loan: an appraisal agency's reports (not an in-house valuation), the guarantor's
    and the insurer's sign-offs."""
    found = {
        SubsidyKind.VALUATION_FEE: sum((r.fee for r in state.valuations.values() if not r.in_house), ZERO),
        SubsidyKind.GUARANTEE_FEE: sum((s.fee for s in state.sign_offs.values() if s.party == "guarantor"), ZERO),
        SubsidyKind.INSURANCE_PREMIUM: sum((s.fee for s in state.sign_offs.values() if s.party == "insurer"), ZERO),
    }
    return {kind: amount for kind, amount in found.items() if amount > 0}


def facts_of(state: LoanState, size: SizeClass, period: Period, *, first_pledge: bool) -> ClaimFacts:
    """A disbursed loan's facts for a claim covering `period`."""
    if state.disbursement is None or state.proposal is None or state.application is None:
        raise NotClaimable(f"loan {state.loan_id} is not disbursed: there is no cost to claim yet")
    servicing = state.servicing
    paid_ever = servicing is not None and any(p.allocation.interest > 0 for p in servicing.payments)
    return ClaimFacts(
        size=size,
        ip_kinds=frozenset(a.kind for a in state.application.assets),
        term_months=state.proposal.term_months,
        principal=state.disbursement.amount,
        rate_percent=state.proposal.rate_percent,
        lpr_percent=state.proposal.lpr_percent,
        interest_paid=interest_paid(state, period),
        fees=fees(state),
        interest_started=paid_ever,
        # by the enterprise itself: a loan settled by a disposal or a guarantor's compensation was not
        fully_repaid=servicing is not None
        and servicing.ledger.repaid
        and servicing.compensation is None
        and state.stage in (Stage.SERVICING, Stage.RELEASE, Stage.CLOSED),
        first_pledge=first_pledge,
    )
