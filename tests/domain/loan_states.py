"""Loans in each stage, built directly (no workflow), and an actor of every role, for the tables of the loan-rules
tests: one loan's story from the case opened on 2 March 2026 to its disbursement on 20 April 2026.

Each builder returns a fresh state, so a test may change it freely.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts.base import Actor, Recorded
from contracts.enums import (
    Authority,
    District,
    FilingChannel,
    IPKind,
    RepaymentMode,
    Role,
    Stage,
    ValuationMethod,
)
from contracts.loan_state import (
    Application,
    AssetSnapshot,
    Decision,
    Disbursement,
    Filing,
    LoanState,
    Proposal,
    QualificationReview,
    Release,
    Servicing,
    SignOff,
    ValuationReport,
)
from services.domain.schedule import maturity_date
from services.domain.servicing import open_ledger
from tests.workflows import loan_steps as steps

BANK = "boc-shenzhen"
GUARANTOR_ORG = "sz-guarantee"
INSURER_ORG = "demo-insurer"
VALUER_ORG = "demo-appraisal"
ENTERPRISE_ORG = "ent-guangming-demo"

INSURER = Actor(sub="he@insurer", role=Role.INSURER, org_id=INSURER_ORG)
DISTRICT_REVIEWER = Actor(
    sub="lin@gm-office", role=Role.DISTRICT_REVIEWER, org_id="guangming-office", district=District.GUANGMING
)
CITY_ADMIN = Actor(sub="zhao@city", role=Role.CITY_ADMIN, org_id="sz-amr")
PLATFORM_ADMIN = Actor(sub="ops@pledgeflow", role=Role.PLATFORM_ADMIN, org_id="pledgeflow")

# One actor of each role, each of the organisation the loan names for that role (where it names one).
PARTY: dict[Role, Actor] = {
    Role.BANK_OFFICER: steps.OFFICER,
    Role.BANK_APPROVER: steps.APPROVER,
    Role.GUARANTOR: steps.GUARANTOR,
    Role.INSURER: INSURER,
    Role.VALUER: steps.VALUER,
    Role.STATION_SPECIALIST: steps.SPECIALIST,
    Role.DISTRICT_REVIEWER: DISTRICT_REVIEWER,
    Role.CITY_ADMIN: CITY_ADMIN,
    Role.ENTERPRISE: steps.ENTERPRISE,
    Role.PLATFORM_ADMIN: PLATFORM_ADMIN,
}

OPENED_ON = date(2026, 3, 2)
APPLIED_ON = date(2026, 3, 5)
VALUED_ON = date(2026, 3, 6)
PROPOSED_ON = date(2026, 3, 9)
APPROVED_ON = date(2026, 3, 9)
FILED_ON = date(2026, 3, 10)
EFFECTIVE_ON = date(2026, 3, 10)
DISBURSED_ON = date(2026, 4, 20)
TODAY = date(2026, 4, 20)

AMOUNT = Decimal("3000000.00")
PATENT = "ip-gm-inv-1"
TRADEMARK = "ip-gm-tm-2"


def named(rows: Sequence[tuple[Any, ...]]) -> list[object]:
    """A table's rows as pytest parameters, each named by its first column (what the case is)."""
    return [pytest.param(*row[1:], id=row[0]) for row in rows]


def at(day: date) -> datetime:
    """09:00 in Shanghai on `day`."""
    return datetime.combine(day, time(1, 0), tzinfo=UTC)


def recorded(actor: Actor, day: date) -> Recorded:
    return Recorded(**by(actor, day))


def by(actor: Actor, day: date) -> dict[str, Any]:
    """The `Recorded` fields of a step `actor` took on `day`."""
    return {"by": actor, "at": at(day)}


def patent(expiry: date = date(2043, 3, 1)) -> AssetSnapshot:
    return steps.asset(PATENT, expiry)


def trademark(expiry: date = date(2034, 6, 30)) -> AssetSnapshot:
    return steps.asset(TRADEMARK, expiry, kind=IPKind.TRADEMARK).model_copy(update={"number": "17528858"})


def opened() -> LoanState:
    """Pre-loan guidance, as the station opened it: no bank chosen yet."""
    data = steps.open_input("L-rules", at(OPENED_ON))
    return LoanState(
        loan_id=data.loan_id,
        enterprise_id=data.enterprise_id,
        enterprise_name=data.enterprise_name,
        district=data.district,
        station_id=data.station_id,
        opened=data.opened,
        config=data.config,
        last_activity_at=data.opened.at,
    )


def qualified(passed: bool = True) -> LoanState:
    state = opened()
    review = steps.qualification(passed).model_dump(exclude={"actor", "request_id"})
    state.qualification = QualificationReview(**review, passed=passed, **by(steps.SPECIALIST, OPENED_ON))
    return state


def applied(assets: list[AssetSnapshot] | None = None, valuer: str | None = VALUER_ORG, term: int = 12) -> LoanState:
    """In valuation, with an appraisal agency named (or none: the bank values in-house)."""
    state = qualified()
    data = steps.application(assets or [patent()], valuer=valuer, term=term)
    state.application = Application(
        **data.model_dump(exclude={"actor", "request_id"}), **by(steps.SPECIALIST, APPLIED_ON)
    )
    state.bank_id = BANK
    state.stage = Stage.VALUATION
    return state


def report(asset_id: str, value: str = "10000000.00", base: date = VALUED_ON) -> ValuationReport:
    return ValuationReport(
        asset_id=asset_id,
        method=ValuationMethod.INCOME,
        value=Decimal(value),
        base_date=base,
        valid_until=base + timedelta(days=365),
        report_number=f"深评报字[2026]第{asset_id}号",
        agency="演示资产评估有限公司",
        fee=Decimal("20000.00"),
        in_house=False,
        **by(steps.VALUER, base),
    )


def valued(assets: list[AssetSnapshot] | None = None) -> LoanState:
    """In valuation, every pledged asset with its report."""
    state = applied(assets)
    state.valuations = {a: report(a) for a in state.asset_ids}
    return state


def accepted(assets: list[AssetSnapshot] | None = None, max_loan: str = "4000000.00") -> LoanState:
    """In approval, the valuation accepted, no terms proposed yet."""
    state = valued(assets)
    state.valuation_accepted = recorded(steps.OFFICER, VALUED_ON)
    state.max_loan = Decimal(max_loan)
    state.stage = Stage.APPROVAL
    return state


def proposed(
    guarantor: str | None = GUARANTOR_ORG,
    insurer: str | None = INSURER_ORG,
    term: int = 12,
    mode: RepaymentMode = RepaymentMode.MONTHLY_INTEREST,
    assets: list[AssetSnapshot] | None = None,
) -> LoanState:
    """In approval, terms proposed by the bank officer (with a guarantee company and an insurer by default)."""
    state = accepted(assets)
    terms = steps.proposal(term=term, guarantor=guarantor, mode=mode).model_dump(exclude={"actor", "request_id"})
    terms["insurer_id"] = insurer
    state.proposal = Proposal(**terms, rate_percent=Decimal("3.50"), **by(steps.OFFICER, PROPOSED_ON))
    return state


def approved(
    guarantor: str | None = GUARANTOR_ORG,
    insurer: str | None = INSURER_ORG,
    term: int = 12,
    assets: list[AssetSnapshot] | None = None,
) -> LoanState:
    """In registration, the terms approved by the bank approver; nobody has signed off or filed yet."""
    state = proposed(guarantor, insurer, term, assets=assets)
    state.decision = Decision(approved=True, reason="风险可控，同意", **by(steps.APPROVER, APPROVED_ON))
    state.stage = Stage.REGISTRATION
    return state


def signed(state: LoanState, *actors: Actor) -> LoanState:
    for actor in actors:
        party = state.required_sign_offs()[actor.org_id]
        state.sign_offs[actor.org_id] = SignOff(
            org_id=actor.org_id,
            party=party,
            contract_number="深担（2026）保字第0001号",
            fee=Decimal("30000.00"),
            **by(actor, APPROVED_ON),
        )
    return state


def filing(asset_id: str = PATENT, on: date = FILED_ON) -> Filing:
    return Filing(
        asset_id=asset_id,
        attempt=1,
        authority=Authority.CNIPA,
        channel=FilingChannel.ONLINE,
        filed_on=on,
        deadline=on + timedelta(days=3),
        **by(steps.OFFICER, on),
    )


def filed(state: LoanState | None = None, on: date = FILED_ON) -> LoanState:
    """In registration, every pledged asset filed and waiting for its outcome."""
    state = state or approved()
    for asset_id in state.asset_ids:
        state.filings[asset_id] = filing(asset_id, on)
    return state


def registered(
    state: LoanState | None = None, effective: date = EFFECTIVE_ON, pledge_end: date | None = None
) -> LoanState:
    """In disbursement: every pledge registered and effective."""
    state = filed(state)
    for current in state.filings.values():
        current.outcome = "registered"
        current.registration_number = f"Y2026440000{current.asset_id[-1]}123"
        current.effective_date = effective
        current.pledge_end_date = pledge_end if current.asset_id == TRADEMARK else None
    state.stage = Stage.DISBURSEMENT
    return state


def ready_to_disburse(
    guarantor: str | None = GUARANTOR_ORG, insurer: str | None = INSURER_ORG, term: int = 12
) -> LoanState:
    """In disbursement, every pledge effective and every sign-off in."""
    state = registered(approved(guarantor, insurer, term))
    parties = {"guarantor": PARTY[Role.GUARANTOR], "insurer": PARTY[Role.INSURER]}
    return signed(state, *(parties[party] for party in state.required_sign_offs().values()))


def disbursed(state: LoanState | None = None, on: date = DISBURSED_ON, amount: Decimal = AMOUNT) -> LoanState:
    """In servicing: ¥3,000,000 disbursed on 20 April 2026, interest monthly at 3.50 %, principal at maturity."""
    state = state or ready_to_disburse()
    assert state.proposal is not None
    ledger = open_ledger(
        state.proposal.repayment_mode,
        amount,
        state.proposal.rate_percent,
        on,
        state.proposal.term_months,
        markup_percent=state.config.penalty_markup_percent,
    )
    state.disbursement = Disbursement(
        contract_number="中银深借字2026第001号",
        amount=amount,
        disbursed_on=on,
        voucher="放款凭证 0001",
        maturity_date=maturity_date(on, state.proposal.term_months),
        **by(steps.OFFICER, on),
    )
    state.servicing = Servicing(ledger=ledger)
    state.stage = Stage.SERVICING
    return state


def repaid() -> LoanState:
    """In release: repaid in full, no pledge released yet."""
    state = disbursed()
    state.stage = Stage.RELEASE
    return state


def release_pending(state: LoanState | None = None, on: date = TODAY) -> LoanState:
    state = state or repaid()
    assert state.servicing is not None
    for asset_id in state.asset_ids:
        state.servicing.releases[asset_id] = Release(
            asset_id=asset_id,
            attempt=1,
            authority=Authority.CNIPA,
            channel=FilingChannel.ONLINE,
            filed_on=on,
            deadline=on + timedelta(days=3),
            **by(steps.OFFICER, on),
        )
    return state


def in_stage(stage: Stage) -> LoanState:
    """A loan naming every party (bank, valuer, guarantor, insurer), put in `stage`: for who-and-when checks, which
    look at the stage and the parties only."""
    state = disbursed()
    state.stage = stage
    return state
