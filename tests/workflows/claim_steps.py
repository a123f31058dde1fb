"""Inputs of the subsidy claim workflow's tests: a round in the seeded database, a claim's start and its steps."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.base import Actor, Recorded
from contracts.enums import District, Role
from contracts.subsidy_claim import ClaimInput, ClaimRevision, Computation, ComputedLine, MaterialLink
from contracts.subsidy_policy import SubsidyKind, Supplied
from services.store import subsidy_claims
from services.store.subsidy_tables import SubsidyRound
from tests.workflows.loan_steps import ENTERPRISE, SPECIALIST

REVIEWER = Actor(
    sub="wu@guangming", role=Role.DISTRICT_REVIEWER, org_id="office-guangming", district=District.GUANGMING
)
SECOND_REVIEWER = Actor(
    sub="he@guangming", role=Role.DISTRICT_REVIEWER, org_id="office-guangming", district=District.GUANGMING
)
NANSHAN_REVIEWER = Actor(
    sub="li@nanshan", role=Role.DISTRICT_REVIEWER, org_id="office-nanshan", district=District.NANSHAN
)
COMPUTED = Decimal("4083.33")

__all__ = ["ENTERPRISE", "SPECIALIST"]


async def a_round(sessions: async_sessionmaker[AsyncSession]) -> str:
    round_id = f"guangming-{uuid.uuid4().hex[:12]}"
    async with sessions() as session, session.begin():
        await subsidy_claims.add_round(
            session,
            SubsidyRound(
                id=round_id,
                district="guangming",
                policy_id="guangming-2026-v2",
                title="第一批",
                filing_opens=date(2026, 1, 1),
                filing_closes=date(2026, 12, 31),
                created_by=REVIEWER.sub,
                created_at=datetime.now(UTC),
            ),
        )
    return round_id


def computation(amount: Decimal = COMPUTED) -> Computation:
    return Computation(
        policy_id="guangming-2026-v2",
        lines=[ComputedLine(step="claimed", amount=Decimal("5833.33"), how="所申报的费用"),
               ComputedLine(step="result", amount=amount, how="结果")],
        amount=amount,
    )  # fmt: skip


def revision(number: int, at: datetime, by: Actor = SPECIALIST) -> ClaimRevision:
    return ClaimRevision(
        revision=number,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        claimed=Decimal("5833.33"),
        materials=[
            MaterialLink(code="tax_certificate", name="纳税证明", document_id=uuid.uuid4().hex),
            MaterialLink(
                code="loan_contract", name="贷款合同", supplied=Supplied.LOAN_CONTRACT, reference="借款合同 X"
            ),
        ],
        computation=computation(),
        filed=Recorded(by=by, at=at),
    )


def claim_input(round_id: str, at: datetime, *, drafted: bool = False) -> ClaimInput:
    return ClaimInput(
        claim_id=uuid.uuid4().hex[:24],
        round_id=round_id,
        district=District.GUANGMING,
        kind=SubsidyKind.INTEREST,
        loan_id="L-claim",
        enterprise_id="ent-guangming-demo",
        enterprise_name="深圳光明演示科技有限公司",
        station_id="station-guangming",
        bank_id="boc-shenzhen",
        drafted=drafted,
        first=revision(1, at),
    )
