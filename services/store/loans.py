"""Reading the loan read model: a loan with its parties' names, who may see which loans (`LoanScope`) and lists of
them, a loan's timeline and schedule, and the pledge holds on assets. What a loan's workflow accepted is written by
services/store/loan_steps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import and_, bindparam, false, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from contracts.enums import Stage
from services.store.tables import Enterprise, Loan, LoanEvent, Organisation, PledgeHold, ScheduleLine, table_of


async def active_holds(session: AsyncSession, asset_ids: Sequence[str]) -> dict[str, str]:
    """asset id → the open loan holding it."""
    rows = await session.execute(
        select(col(PledgeHold.asset_id), col(PledgeHold.loan_id)).where(
            col(PledgeHold.asset_id).in_(asset_ids), col(PledgeHold.released_at).is_(None)
        )
    )
    return {str(asset_id): str(loan_id) for asset_id, loan_id in rows.all()}


async def pledged_elsewhere_before(session: AsyncSession, asset_ids: Sequence[str], loan_id: str) -> bool:
    """Whether any of these assets was held by another loan before this one took it (a pledge that was not the
    asset's first)."""
    mine = select(func.min(col(PledgeHold.held_at))).where(col(PledgeHold.loan_id) == loan_id).scalar_subquery()
    earlier = select(col(PledgeHold.id)).where(
        col(PledgeHold.asset_id).in_(asset_ids), col(PledgeHold.loan_id) != loan_id, col(PledgeHold.held_at) < mine
    )
    return (await session.execute(earlier.limit(1))).first() is not None


async def get_loan(session: AsyncSession, loan_id: str) -> Loan | None:
    return await session.get(Loan, loan_id, populate_existing=True)


async def get_loans(session: AsyncSession, loan_ids: Sequence[str]) -> Sequence[Loan]:
    if not loan_ids:
        return []
    return (await session.execute(select(Loan).where(col(Loan.id).in_(loan_ids)))).scalars().all()


_ORGANISATION = table_of(Organisation)
# id → name of the loan's party organisations, as a correlated subquery of the loan's row.
_PARTY_NAMES = (
    select(func.jsonb_object_agg(_ORGANISATION.c.id, _ORGANISATION.c.name, type_=JSONB))
    .where(
        _ORGANISATION.c.id.in_(
            [col(Loan.bank_id), col(Loan.station_id), col(Loan.valuer_id), col(Loan.guarantor_id), col(Loan.insurer_id)]
        )
    )
    .scalar_subquery()
)
_LOAN_WITH_PARTY_NAMES = (
    select(Loan, _PARTY_NAMES).where(col(Loan.id) == bindparam("loan_id")).execution_options(populate_existing=True)
)


async def get_loan_with_party_names(session: AsyncSession, loan_id: str) -> tuple[Loan, dict[str, str]] | None:
    """The loan and the names of its party organisations (bank, station, valuer, guarantor, insurer), in one
    round trip: every view of a loan and every step shows the parties by name."""
    row = (await session.execute(_LOAN_WITH_PARTY_NAMES, {"loan_id": loan_id})).first()
    if row is None:
        return None
    loan, names = row
    return loan, {str(org): str(name) for org, name in (names or {}).items()}


# The party columns of a loan, each naming the organisation that plays that part in it.
PARTY_COLUMNS = ("enterprise_id", "bank_id", "station_id", "valuer_id", "guarantor_id", "insurer_id")


@dataclass(frozen=True)
class LoanScope:
    """Which loans someone may see, as data: every loan, or those where a party column names their organisation,
    or those of a district. `allows` checks one loan; `list_loans` turns the same scope into SQL. Who gets which
    scope is decided in one place (services/api/visibility.py)."""

    everything: bool = False
    parties: tuple[tuple[str, str], ...] = ()  # (column of PARTY_COLUMNS, organisation id)
    district: str | None = None
    district_of: str | None = None  # the district's rows only where this column is set (an enterprise's, not a bank's)

    def allows(self, row: Any) -> bool:
        """Whether the loan (or a row of a loan's, such as its subsidy claim: any row with a `district` and some of
        the party columns) is in scope; a party column the row lacks never matches."""
        if self.everything:
            return True
        if any(getattr(row, column, None) == org for column, org in self.parties):
            return True
        return (
            self.district is not None
            and row.district == self.district
            and (self.district_of is None or getattr(row, self.district_of, None) is not None)
        )

    def condition(self, model: Any = Loan) -> Any:
        """The SQL condition of this scope over `model`'s table (None: no condition)."""
        if self.everything:
            return None
        conditions = [col(getattr(model, column)) == org for column, org in self.parties if hasattr(model, column)]
        if self.district is not None:
            district = col(model.district) == self.district
            if self.district_of is not None:
                district = and_(district, col(getattr(model, self.district_of)).is_not(None))
            conditions.append(district)
        return or_(*conditions) if conditions else false()


@dataclass(frozen=True)
class LoanFilter:
    stage: str | None = None
    district: str | None = None
    bank_id: str | None = None
    enterprise_id: str | None = None
    station_id: str | None = None
    opened_from: datetime | None = None
    opened_to: datetime | None = None
    classification: str | None = None
    overdue: bool | None = None
    active: bool | None = None  # True: cases still open or being repaid; False: ended ones
    search: str | None = None  # part of the enterprise's name
    order: Literal["opened", "activity"] = "opened"  # newest opened, or most recent activity, first


def _like(text_: str) -> str:
    """`text_` as a literal part of a LIKE pattern."""
    return "%" + text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def list_loans(
    session: AsyncSession,
    flt: LoanFilter,
    scope: LoanScope,
    *,
    after: tuple[datetime, str] | None,
    limit: int,
    with_state: bool = False,
) -> Sequence[Loan]:
    """The loans in `scope` that match `flt`, newest first by opening or by last activity, keyset-paginated on
    (that moment, id). Without `with_state` the rows' `state` and `disposal` are not loaded (a list row has what it
    shows in columns; the state is the largest part of a row by far) and reading them raises."""
    query = select(Loan).where(*_matching(flt, scope))
    if not with_state:
        query = query.options(*_WITHOUT_STATE)
    moment = col(Loan.updated_at) if flt.order == "activity" else col(Loan.opened_at)
    if after is not None:
        query = query.where(tuple_(moment, col(Loan.id)) < tuple_(*after))
    query = query.order_by(moment.desc(), col(Loan.id).desc()).limit(limit)
    return (await session.execute(query)).scalars().all()


# SQLModel types its columns as their Python values; `defer` wants the mapped attribute they are at run time.
_WITHOUT_STATE = (defer(cast(Any, Loan.state), raiseload=True), defer(cast(Any, Loan.disposal), raiseload=True))


def _matching(flt: LoanFilter, scope: LoanScope) -> list[Any]:
    """The conditions of `scope` and `flt`, all to hold."""
    found = []
    condition = scope.condition()
    if condition is not None:
        found.append(condition)
    for column, value in (
        (Loan.stage, flt.stage),
        (Loan.district, flt.district),
        (Loan.bank_id, flt.bank_id),
        (Loan.enterprise_id, flt.enterprise_id),
        (Loan.station_id, flt.station_id),
        (Loan.classification, flt.classification),
    ):
        if value is not None:
            found.append(col(column) == value)
    if flt.overdue is not None:
        overdue_since = col(Loan.overdue_since)
        found.append(overdue_since.is_not(None) if flt.overdue else overdue_since.is_(None))
    if flt.active is not None:
        ended = col(Loan.stage).in_([s.value for s in Stage if s.is_terminal])
        found.append(~ended if flt.active else ended)
    if flt.search:
        named = select(col(Enterprise.id)).where(col(Enterprise.name).ilike(_like(flt.search), escape="\\"))
        found.append(col(Loan.enterprise_id).in_(named))
    if flt.opened_from is not None:
        found.append(col(Loan.opened_at) >= flt.opened_from)
    if flt.opened_to is not None:
        found.append(col(Loan.opened_at) < flt.opened_to)
    return found


async def list_events(session: AsyncSession, loan_id: str) -> Sequence[LoanEvent]:
    query = select(LoanEvent).where(col(LoanEvent.loan_id) == loan_id).order_by(col(LoanEvent.seq))
    return (await session.execute(query)).scalars().all()


async def list_schedule(session: AsyncSession, loan_id: str) -> Sequence[ScheduleLine]:
    query = select(ScheduleLine).where(col(ScheduleLine.loan_id) == loan_id).order_by(col(ScheduleLine.seq))
    return (await session.execute(query)).scalars().all()


async def paying_interest(session: AsyncSession, district: str) -> Sequence[Loan]:
    """The district's disbursed loans (being repaid, released or closed): those whose interest may be claimed."""
    stages = [Stage.SERVICING.value, Stage.RELEASE.value, Stage.CLOSED.value]
    query = select(Loan).where(col(Loan.district) == district, col(Loan.stage).in_(stages))
    return (await session.execute(query.order_by(col(Loan.id)).limit(5000))).scalars().all()
