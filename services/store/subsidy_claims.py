"""Subsidy rounds and claims: the claim's read-model row and timeline written by its workflow's activity (each event
once, with its audit record), and the queries of the API (a claim, its timeline, lists in a caller's scope, the
claims overlapping a period, what an enterprise was granted in a year)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from contracts.subsidy_claim import ClaimEventRecord, ClaimState, ClaimStatus
from services.store.audit import AuditEntry, append_audit
from services.store.loans import LoanScope
from services.store.subsidy_tables import SubsidyClaim, SubsidyClaimEvent, SubsidyRound
from services.store.tables import table_of

_CLAIM = table_of(SubsidyClaim)
_EVENT = table_of(SubsidyClaimEvent)


def claim_row(state: ClaimState, now: datetime) -> dict[str, object]:
    current = state.current
    return {
        "id": state.claim_id,
        "round_id": state.round_id,
        "district": state.district.value,
        "policy_id": current.computation.policy_id,
        "kind": state.kind.value,
        "loan_id": state.loan_id,
        "enterprise_id": state.enterprise_id,
        "enterprise_name": state.enterprise_name,
        "station_id": state.station_id,
        "bank_id": state.bank_id,
        "status": state.status.value,
        "period_start": current.period_start,
        "period_end": current.period_end,
        "claimed": current.claimed,
        "computed": current.computation.amount,
        "approved": state.approved_amount,
        "funded": state.funding.amount if state.funding else None,
        "paid": state.payment.amount if state.payment else None,
        "review_deadline": state.review_deadline,
        "filed_at": state.revisions[0].filed.at,
        "updated_at": now,
        "step_count": state.step_count,
        "state": state.model_dump(mode="json"),
    }


async def write_claim_step(
    session: AsyncSession, state: ClaimState, record: ClaimEventRecord, now: datetime, trace_id: str | None
) -> bool:
    """Write one accepted step in the caller's transaction: the row (an older step retried late never overwrites a
    newer row), the event once and its audit record; False when a retry finds the event written."""
    row = claim_row(state, now)
    upsert = insert(_CLAIM).values(row)
    await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[_CLAIM.c.id],
            set_={name: upsert.excluded[name] for name in row if name not in ("id", "filed_at")},
            where=_CLAIM.c.step_count <= upsert.excluded.step_count,
        )
    )
    added = await session.execute(
        insert(_EVENT)
        .values(
            claim_id=state.claim_id,
            event_key=record.key,
            kind=record.kind,
            status=state.status.value,
            summary=record.summary,
            actor_sub=record.actor.sub,
            actor_role=record.actor.role.value,
            actor_org=record.actor.org_id,
            occurred_at=record.at,
            request_id=record.request_id,
        )
        .on_conflict_do_nothing(constraint="uq_subsidy_claim_event_key")
        .returning(_EVENT.c.id)
    )
    if added.first() is None:
        return False
    audit = AuditEntry(
        actor_sub=record.actor.sub,
        actor_role=record.actor.role.value,
        actor_org=record.actor.org_id,
        action=f"subsidy_claim.{record.kind}",
        target_type="subsidy_claim",
        target_id=state.claim_id,
        payload_digest=record.payload_digest,
        request_id=record.request_id,
        trace_id=trace_id,
        details={"status": state.status.value},
        dedup_key=record.key,
    )
    await append_audit(session, audit, now=record.at)
    return True


async def get_claim(session: AsyncSession, claim_id: str) -> SubsidyClaim | None:
    return await session.get(SubsidyClaim, claim_id, populate_existing=True)


async def list_events(session: AsyncSession, claim_id: str) -> Sequence[SubsidyClaimEvent]:
    query = select(SubsidyClaimEvent).where(col(SubsidyClaimEvent.claim_id) == claim_id)
    return (await session.execute(query.order_by(col(SubsidyClaimEvent.id)))).scalars().all()


@dataclass(frozen=True)
class ClaimFilter:
    district: str | None = None
    kind: str | None = None
    status: str | None = None
    round_id: str | None = None
    year: int | None = None
    statuses: tuple[str, ...] = ()  # any of these (a "whose turn" group)
    due_before: date | None = None  # the review due before this day (an "overdue" group)


async def list_claims(
    session: AsyncSession, flt: ClaimFilter, scope: LoanScope, *, after: tuple[datetime, str] | None, limit: int
) -> Sequence[SubsidyClaim]:
    """The claims in `scope` (the same scope as the loans': services/api/visibility) matching `flt`, latest activity
    first, keyset-paginated on (updated_at, id)."""
    query = select(SubsidyClaim)
    condition = scope.condition(SubsidyClaim)
    if condition is not None:
        query = query.where(condition)
    for column, value in (
        (SubsidyClaim.district, flt.district),
        (SubsidyClaim.kind, flt.kind),
        (SubsidyClaim.status, flt.status),
        (SubsidyClaim.round_id, flt.round_id),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    if flt.statuses:
        query = query.where(col(SubsidyClaim.status).in_(flt.statuses))
    if flt.due_before is not None:
        query = query.where(col(SubsidyClaim.review_deadline) < flt.due_before)
    if flt.year is not None:
        query = query.where(func.extract("year", col(SubsidyClaim.period_end)) == flt.year)
    moment = col(SubsidyClaim.updated_at)
    if after is not None:
        query = query.where(tuple_(moment, col(SubsidyClaim.id)) < tuple_(*after))
    query = query.order_by(moment.desc(), col(SubsidyClaim.id).desc()).limit(limit)
    return (await session.execute(query)).scalars().all()


# Whom a claim is for, as the column that names it and its value: ("loan_id", a loan) for a loan's costs,
# ("enterprise_id", an enterprise) for a securitisation, ("bank_id", a bank) for a bank's own support.
Claimant = tuple[Literal["loan_id", "enterprise_id", "bank_id"], str]


def _of(claimant: Claimant) -> list[Any]:
    column, value = claimant
    found = [getattr(SubsidyClaim, column) == value]
    if column == "bank_id":  # the bank's own claims, not its borrowers' (whose claims name the loan's bank too)
        found.append(col(SubsidyClaim.enterprise_id).is_(None))
    return found


async def overlapping(
    session: AsyncSession, claimant: Claimant, kind: str, start: date, end: date
) -> SubsidyClaim | None:
    """A live claim (not rejected) of the same claimant and kind whose period overlaps [start, end]."""
    query = select(SubsidyClaim).where(
        *_of(claimant),
        col(SubsidyClaim.kind) == kind,
        col(SubsidyClaim.status) != ClaimStatus.REJECTED.value,
        col(SubsidyClaim.period_start) <= end,
        col(SubsidyClaim.period_end) >= start,
    )
    return (await session.execute(query.limit(1))).scalars().first()


async def citing(session: AsyncSession, document_id: str) -> Sequence[SubsidyClaim]:
    """The claims one of whose revisions lists `document_id` among its materials (JSONB containment)."""
    cited = [{"materials": [{"document_id": document_id}]}]
    query = select(SubsidyClaim).where(col(SubsidyClaim.state)["revisions"].contains(cited)).limit(20)
    return (await session.execute(query)).scalars().all()


async def granted_in_year(
    session: AsyncSession, claimant: Claimant, district: str, year: int, kind: str, *, excluding: str | None = None
) -> tuple[Decimal, Decimal]:
    """What the claimant (an enterprise, or a bank) was granted (approved claims) in the district for periods ending
    in `year`: of `kind`, and of all kinds; `excluding` a claim (the one under review)."""
    query = select(col(SubsidyClaim.kind), func.coalesce(func.sum(col(SubsidyClaim.approved)), 0)).where(
        *_of(claimant),
        col(SubsidyClaim.district) == district,
        col(SubsidyClaim.approved).is_not(None),
        func.extract("year", col(SubsidyClaim.period_end)) == year,
    )
    if excluding is not None:
        query = query.where(col(SubsidyClaim.id) != excluding)
    sums = {str(k): Decimal(v or 0) for k, v in (await session.execute(query.group_by(col(SubsidyClaim.kind)))).all()}
    return sums.get(kind, Decimal("0.00")), sum(sums.values(), Decimal("0.00"))


async def add_round(session: AsyncSession, row: SubsidyRound) -> None:
    session.add(row)
    await session.flush()


async def get_round(session: AsyncSession, round_id: str) -> SubsidyRound | None:
    return await session.get(SubsidyRound, round_id)


async def list_rounds(session: AsyncSession, district: str | None) -> Sequence[SubsidyRound]:
    query = select(SubsidyRound)
    if district is not None:
        query = query.where(col(SubsidyRound.district) == district)
    return (await session.execute(query.order_by(col(SubsidyRound.filing_opens).desc()).limit(200))).scalars().all()


async def claims_of_round(session: AsyncSession, round_id: str, statuses: Sequence[str]) -> Sequence[SubsidyClaim]:
    """The round's claims in `statuses`, by enterprise name (the order of a notice list)."""
    query = select(SubsidyClaim).where(
        col(SubsidyClaim.round_id) == round_id, col(SubsidyClaim.status).in_(list(statuses))
    )
    query = query.order_by(col(SubsidyClaim.enterprise_name), col(SubsidyClaim.id))
    # Read afresh: a round's request reads its claims again after their workflows wrote them.
    return (await session.execute(query.execution_options(populate_existing=True))).scalars().all()


async def funded_under(session: AsyncSession, policy_ids: Sequence[str]) -> Decimal:
    """What the funding plans of the rounds under these policy versions (one district's year) hold already."""
    query = (
        select(func.coalesce(func.sum(col(SubsidyClaim.funded)), 0))
        .join(SubsidyRound, col(SubsidyRound.id) == col(SubsidyClaim.round_id))
        .where(col(SubsidyRound.policy_id).in_(list(policy_ids)))
    )
    return Decimal((await session.execute(query)).scalar_one() or 0)


@dataclass(frozen=True)
class NoticeRow:
    id: str
    enterprise_name: str
    kind: str
    approved: Decimal | None
    status: str
    ends_on: str | None


async def notice_rows(session: AsyncSession, round_id: str, statuses: Sequence[str]) -> list[NoticeRow]:
    """What a notice list shows of the round's claims in `statuses` — the columns it needs and the notice's end from
    the state, not the whole rows — by enterprise name."""
    ends_on = col(SubsidyClaim.state)["notice"]["ends_on"].astext
    query = (
        select(
            col(SubsidyClaim.id),
            col(SubsidyClaim.enterprise_name),
            col(SubsidyClaim.kind),
            col(SubsidyClaim.approved),
            col(SubsidyClaim.status),
            ends_on,
        )
        .where(col(SubsidyClaim.round_id) == round_id, col(SubsidyClaim.status).in_(list(statuses)))
        .order_by(col(SubsidyClaim.enterprise_name), col(SubsidyClaim.id))
    )
    return [NoticeRow(*row) for row in (await session.execute(query)).all()]


async def approved_of_round(session: AsyncSession, round_id: str, status: str) -> dict[str, Decimal]:
    """claim id → approved amount, of the round's claims in `status` (what a funding plan is cut from)."""
    query = select(col(SubsidyClaim.id), col(SubsidyClaim.approved)).where(
        col(SubsidyClaim.round_id) == round_id, col(SubsidyClaim.status) == status
    )
    return {str(i): Decimal(a or 0) for i, a in (await session.execute(query)).all()}


async def open_rounds(session: AsyncSession, day: date) -> Sequence[SubsidyRound]:
    """The rounds taking claims on `day`."""
    query = select(SubsidyRound).where(col(SubsidyRound.filing_opens) <= day, col(SubsidyRound.filing_closes) >= day)
    return (await session.execute(query.order_by(col(SubsidyRound.id)))).scalars().all()


async def last_claimed_day(session: AsyncSession, loan_id: str, kind: str) -> date | None:
    """The last day a live claim (not rejected) of this loan and kind covers."""
    query = select(func.max(col(SubsidyClaim.period_end))).where(
        col(SubsidyClaim.loan_id) == loan_id,
        col(SubsidyClaim.kind) == kind,
        col(SubsidyClaim.status) != ClaimStatus.REJECTED.value,
    )
    found: date | None = (await session.execute(query)).scalar_one()
    return found
