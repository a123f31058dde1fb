"""Repository of the loan read model: loans, their timeline, pledge holds and repayment schedules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, cast

from sqlalchemy import TextClause, and_, bindparam, false, func, or_, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer
from sqlmodel import col

from contracts.enums import Stage
from services.store.audit import CHAIN_HEAD_SQL, ChainHead
from services.store.tables import Enterprise, Loan, LoanEvent, Organisation, PledgeHold, ScheduleLine, table_of

# The statements a step writes are built once: executed with plain parameters they hit SQLAlchemy's compiled
# cache and skip the ORM's bulk layer (a step's persistence runs inside the workflow task, so it is on the
# latency path of every step).
_EVENT = table_of(LoanEvent)
_LINE = table_of(ScheduleLine)

# The columns `record_step` writes; `disposal` belongs to the DisposalWorkflow and is never overwritten here.
READ_MODEL_COLUMNS = (
    "id", "enterprise_id", "enterprise_name", "district", "bank_id", "station_id", "valuer_id", "guarantor_id",
    "insurer_id", "stage", "opened_at", "updated_at", "step_count", "requested_amount", "max_loan", "approved_amount",
    "disbursed_amount", "outstanding_principal", "classification", "overdue_since", "waiting_on", "state",
)  # fmt: skip


_READ_MODEL_KEYS = frozenset(READ_MODEL_COLUMNS)
_JSON_COLUMNS = frozenset({"waiting_on", "state"})  # passed as JSON text
_EVENT_COLUMNS = (
    "loan_id", "event_key", "kind", "stage", "summary", "actor_sub", "actor_role", "actor_org", "occurred_at",
    "request_id", "data",
)  # fmt: skip


def _record_step_statement() -> TextClause:
    """One round trip for a loan step: upsert the read-model row, append the timeline event (its seq taken in the
    same statement), and, only when the event is new, lock the loan's audit chain and return its last link.

    - An older step retried late does not overwrite a newer row (`step_count`).
    - A step already recorded (same event key) inserts nothing and returns no row, so the audit chain is not
      touched either: the `head` CTE is evaluated only through RETURNING.
    - One loan's steps are written one at a time (its workflow persists each step before taking the next); a
      disposal step of the same loan written at the same instant may take the same next seq, and then the later
      transaction fails on `uq_loan_event_seq` and is retried by its activity.
    - `state`, `waiting_on` and `event_data` are JSON text (the state is serialised once, by Pydantic, not dumped to
      a dict and then encoded again).
    """
    updated = [name for name in READ_MODEL_COLUMNS if name not in ("id", "opened_at")]
    loan_values = [f"CAST(:{name} AS jsonb)" if name in _JSON_COLUMNS else f":{name}" for name in READ_MODEL_COLUMNS]
    event_values = [f"CAST(:event_{name} AS jsonb)" if name == "data" else f":event_{name}" for name in _EVENT_COLUMNS]
    return text(
        f"""
        WITH upserted AS (
            INSERT INTO loan ({", ".join(READ_MODEL_COLUMNS)})
            VALUES ({", ".join(loan_values)})
            ON CONFLICT (id) DO UPDATE SET {", ".join(f"{name} = excluded.{name}" for name in updated)}
            WHERE loan.step_count <= excluded.step_count
        ), head AS ({CHAIN_HEAD_SQL.format(chain=":audit_chain")})
        INSERT INTO loan_event (seq, {", ".join(_EVENT_COLUMNS)})
        VALUES (
            (SELECT coalesce(max(seq), 0) + 1 FROM loan_event WHERE loan_id = :event_loan_id),
            {", ".join(event_values)}
        )
        ON CONFLICT ON CONSTRAINT uq_loan_event_key DO NOTHING
        RETURNING id, (SELECT seq FROM head) AS head_seq, (SELECT hash FROM head) AS head_hash
        """  # noqa: S608 - built from the column names above at import time; every value is a bound parameter
    )


_RECORD_STEP = _record_step_statement()

# A timeline event on its own (disposal steps): the next seq taken in the same statement.
_ADD_EVENT = (
    insert(_EVENT)
    .values(
        seq=select(func.coalesce(func.max(_EVENT.c.seq), 0) + 1)
        .where(_EVENT.c.loan_id == bindparam("timeline_of"))
        .scalar_subquery()
    )
    .on_conflict_do_nothing(constraint="uq_loan_event_key")
    .returning(_EVENT.c.id)
)


async def record_step(
    session: AsyncSession, row: dict[str, Any], event: LoanEvent, audit_chain: str
) -> ChainHead | None:
    """Write a loan step's read-model row (keys: READ_MODEL_COLUMNS, `state` and `waiting_on` as JSON text) and
    timeline event.

    Returns the head of `audit_chain`, locked for this transaction, when the event is new; None when the event
    was already recorded (a retried step): then no event is added and nothing is locked, and the row is only
    rewritten with what it already holds (or left alone if a newer step wrote it).
    """
    if row.keys() != _READ_MODEL_KEYS:  # a column missing from the statement would silently never update
        raise ValueError(f"read-model row keys differ from READ_MODEL_COLUMNS: {set(row) ^ _READ_MODEL_KEYS}")
    values = event.model_dump(include=set(_EVENT_COLUMNS))
    values["data"] = None if event.data is None else json.dumps(event.data, ensure_ascii=False)
    params = {**row, **{f"event_{name}": value for name, value in values.items()}, "audit_chain": audit_chain}
    recorded = (await session.execute(_RECORD_STEP, params)).first()
    return None if recorded is None else ChainHead.of(recorded.head_seq, recorded.head_hash)


def _upsert_line_statement() -> Any:
    statement = insert(_LINE)
    return statement.on_conflict_do_update(
        constraint="uq_schedule_line_seq",
        set_={
            name: statement.excluded[name]
            for name in ("period_start", "due_date", "principal", "interest", "paid_principal", "paid_interest")
        },
    )


_UPSERT_LINE = _upsert_line_statement()


async def add_event(session: AsyncSession, event: LoanEvent) -> bool:
    """Append a timeline event; False when an event with this key was already recorded."""
    values = event.model_dump(exclude={"id", "seq"})
    inserted = await session.execute(_ADD_EVENT, {**values, "timeline_of": event.loan_id})
    return inserted.scalar_one_or_none() is not None


@dataclass(frozen=True)
class HeldElsewhere:
    asset_id: str
    loan_id: str


async def hold_assets(
    session: AsyncSession, loan_id: str, asset_ids: Sequence[str], now: datetime
) -> HeldElsewhere | None:
    """Hold the assets for this loan; returns the first asset another open loan holds (and holds nothing)."""
    existing = (
        (
            await session.execute(
                select(PledgeHold).where(col(PledgeHold.asset_id).in_(asset_ids), col(PledgeHold.released_at).is_(None))
            )
        )
        .scalars()
        .all()
    )
    for hold in existing:
        if hold.loan_id != loan_id:
            return HeldElsewhere(hold.asset_id, hold.loan_id)
    mine = {hold.asset_id for hold in existing}
    for asset_id in asset_ids:
        if asset_id not in mine:
            session.add(PledgeHold(asset_id=asset_id, loan_id=loan_id, held_at=now))
    await session.flush()
    return None


async def release_assets(session: AsyncSession, loan_id: str, now: datetime) -> None:
    await session.execute(
        update(PledgeHold)
        .where(col(PledgeHold.loan_id) == loan_id, col(PledgeHold.released_at).is_(None))
        .values(released_at=now)
    )


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


async def replace_schedule(session: AsyncSession, lines: Sequence[ScheduleLine]) -> None:
    """Write a loan's schedule as its ledger now stands (each line names its loan and keeps its seq; amounts and
    payments are replaced)."""
    if not lines:
        return
    await session.execute(_UPSERT_LINE, [line.model_dump(exclude={"id"}) for line in lines])


async def set_disposal(session: AsyncSession, loan_id: str, disposal: dict[str, Any]) -> None:
    await session.execute(update(Loan).where(col(Loan.id) == loan_id).values(disposal=disposal))


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


def schedule_line(
    loan_id: str,
    seq: int,
    period_start: date,
    due_date: date,
    principal: Decimal,
    interest: Decimal,
    paid_principal: Decimal = Decimal("0.00"),
    paid_interest: Decimal = Decimal("0.00"),
) -> ScheduleLine:
    return ScheduleLine(
        loan_id=loan_id,
        seq=seq,
        period_start=period_start,
        due_date=due_date,
        principal=principal,
        interest=interest,
        paid_principal=paid_principal,
        paid_interest=paid_interest,
    )


async def paying_interest(session: AsyncSession, district: str) -> Sequence[Loan]:
    """The district's disbursed loans (being repaid, released or closed): those whose interest may be claimed."""
    stages = [Stage.SERVICING.value, Stage.RELEASE.value, Stage.CLOSED.value]
    query = select(Loan).where(col(Loan.district) == district, col(Loan.stage).in_(stages))
    return (await session.execute(query.order_by(col(Loan.id)).limit(5000))).scalars().all()
