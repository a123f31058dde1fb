"""Persisting a loan step (`record_loan_step`): read-model row, timeline event and audit record, each once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts.base import Recorded
from contracts.enums import District, Role, Stage
from contracts.loan_activities import LoanEventRecord, RecordLoanStepInput
from contracts.loan_state import LoanConfig, LoanState, Waiting
from services.platform.embedded import EmbeddedPostgres
from services.store import loan_steps
from services.store import loans as repository
from services.store.audit import ChainHead, list_audit, verify_chains
from services.store.db import create_engine, session_factory
from services.store.migrate import upgrade
from services.store.seed import load_demo_data
from services.store.station_tables import StationMember
from services.store.subsidy_tables import SubsidyPolicy
from services.store.tables import LoanEvent, table_of
from services.workflows.activities.loans import LoanActivities
from tests.conftest import fresh_database
from tests.workflows.loan_steps import SPECIALIST

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def state(step_count: int, note: str) -> LoanState:
    return LoanState(
        loan_id="L-store",
        enterprise_id="ent-guangming-demo",
        enterprise_name="深圳光明演示科技有限公司",
        district=District.GUANGMING,
        station_id="station-guangming",
        opened=Recorded(by=SPECIALIST, at=NOW),
        note=note,
        config=LoanConfig(),
        last_activity_at=NOW,
        step_count=step_count,
        waiting_on=[Waiting(role=Role.STATION_SPECIALIST, actions=["log_visit", "review_qualification"])],
    )


def row_of(written: LoanState) -> dict[str, object]:
    return loan_steps.read_model_row(written, written.summary(), NOW)


def step(step_count: int, key: str, note: str) -> RecordLoanStepInput:
    written = state(step_count, note)
    return RecordLoanStepInput(
        state=written,
        summary=written.summary(),
        event=LoanEventRecord(
            key=key,
            kind="visit_logged",
            summary=f"step {key}",
            actor=SPECIALIST,
            at=NOW + timedelta(minutes=step_count),
            request_id=f"req-{key}",
            payload_digest="d" * 64,
            data={"place": "光明", "n": step_count},
        ),
    )


@pytest.fixture
async def activities(sessions: async_sessionmaker[AsyncSession], db: AsyncSession) -> LoanActivities:
    await load_demo_data(db)
    await db.commit()
    return LoanActivities(sessions)


async def written(db: AsyncSession) -> tuple[list[tuple[int, str]], int, str | None]:
    """(timeline seq and key, audit records, the row's note) of the test loan."""
    events = [(event.seq, event.event_key) for event in await repository.list_events(db, "L-store")]
    audit = len(await list_audit(db, "loan:L-store"))
    note = (await db.execute(text("SELECT state->>'note' FROM loan WHERE id = 'L-store'"))).scalar_one_or_none()
    return events, audit, note


async def advisory_locks(session: AsyncSession) -> int:
    query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
    return int((await session.execute(text(query))).scalar_one())


def opened_event() -> LoanEvent:
    return LoanEvent(
        loan_id="L-store",
        seq=0,
        event_key="opened",
        kind="opened",
        stage="guidance",
        summary="opened",
        actor_sub="s",
        actor_role="station_specialist",
        actor_org="station-guangming",
        occurred_at=NOW,
    )


def fresh_event(event: LoanEvent) -> LoanEvent:
    return LoanEvent(**{**event.model_dump(), "event_key": "update-2"})


class TestRecordLoanStep:
    async def test_each_step_writes_row_event_and_linked_audit(
        self, activities: LoanActivities, db: AsyncSession
    ) -> None:
        assert await activities.record_loan_step(step(1, "opened", "first"))
        assert await activities.record_loan_step(step(2, "update-2", "second"))
        events, audit, note = await written(db)
        assert events == [(1, "opened"), (2, "update-2")]
        assert (audit, note) == (2, "second")
        row = (await db.execute(text("SELECT step_count, stage, state FROM loan WHERE id = 'L-store'"))).one()
        assert (row.step_count, row.stage) == (2, Stage.GUIDANCE.value)
        assert LoanState.model_validate(row.state) == state(2, "second")  # JSON text stored as JSONB, read back
        record = (await list_audit(db, "loan:L-store"))[-1]
        assert (record.action, record.dedup_key, record.request_id) == ("loan.visit_logged", "update-2", "req-update-2")
        assert (await verify_chains(db)).ok

    async def test_a_retried_step_writes_nothing_twice(self, activities: LoanActivities, db: AsyncSession) -> None:
        assert await activities.record_loan_step(step(1, "opened", "first"))
        assert await activities.record_loan_step(step(2, "update-2", "second"))
        assert not await activities.record_loan_step(step(2, "update-2", "second"))
        assert await written(db) == ([(1, "opened"), (2, "update-2")], 2, "second")

    async def test_an_older_step_retried_late_leaves_the_newer_row(
        self, activities: LoanActivities, db: AsyncSession
    ) -> None:
        assert await activities.record_loan_step(step(1, "opened", "first"))
        assert await activities.record_loan_step(step(2, "update-2", "second"))
        assert not await activities.record_loan_step(step(1, "opened", "first"))
        assert (await written(db))[2] == "second"

    async def test_the_chain_head_comes_back_only_for_a_new_event(self, db: AsyncSession) -> None:
        await load_demo_data(db)
        row = row_of(state(1, "first"))
        event = opened_event()
        assert await loan_steps.record_step(db, row, event, audit_chain="loan:L-store") == ChainHead()  # empty chain
        assert await loan_steps.record_step(db, row, event, audit_chain="loan:L-store") is None  # a repeat

    async def test_a_repeated_event_takes_no_lock(self, seeded_sessions: async_sessionmaker[AsyncSession]) -> None:
        """The chain's lock is taken through RETURNING only, so a retried step leaves other writers alone."""
        assert await LoanActivities(seeded_sessions).record_loan_step(step(1, "opened", "first"))
        async with seeded_sessions() as session, session.begin():
            row = row_of(state(1, "first"))
            event = opened_event()
            assert await loan_steps.record_step(session, row, event, audit_chain="loan:L-store") is None
            assert await advisory_locks(session) == 0
            assert await loan_steps.record_step(session, row, fresh_event(event), audit_chain="loan:L-store")
            assert await advisory_locks(session) == 1

    async def test_a_row_with_other_columns_is_refused(self, db: AsyncSession) -> None:
        row = {**row_of(state(1, "x")), "disposal": None}
        with pytest.raises(ValueError, match="disposal"):
            await loan_steps.record_step(db, row, LoanEvent(), audit_chain="loan:L-store")  # type: ignore[call-arg]


def disposal_event(key: str) -> LoanEvent:
    return LoanEvent(**{**opened_event().model_dump(), "event_key": key, "kind": "disposal_started"})


class TestTimelineSeq:
    async def test_two_writers_of_one_timeline_never_share_a_seq(
        self, seeded_sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        """A loan step and a disposal step written at the same instant: the later one fails and, retried, takes
        the next seq."""
        assert await LoanActivities(seeded_sessions).record_loan_step(step(1, "opened", "first"))
        async with seeded_sessions() as loan_step, seeded_sessions() as disposal_step:
            async with loan_step.begin():
                row = row_of(state(2, "second"))
                event = fresh_event(opened_event())
                assert await loan_steps.record_step(loan_step, row, event, audit_chain="loan:L-store")
                await disposal_step.begin()
                # Same next seq (2): waits for the loan step's transaction, then fails when it commits.
                racing = asyncio.create_task(loan_steps.add_event(disposal_step, disposal_event("disposal-1")))
                await asyncio.sleep(0.2)
                assert not racing.done(), "the second writer should wait for the first"
            with pytest.raises(IntegrityError, match="uq_loan_event_seq"):
                await racing
            await disposal_step.rollback()
            async with disposal_step.begin():  # the activity's retry
                assert await loan_steps.add_event(disposal_step, disposal_event("disposal-1"))
        async with seeded_sessions() as session:
            assert (await written(session))[0] == [(1, "opened"), (2, "update-2"), (3, "disposal-1")]

    async def test_the_migration_renumbers_timelines_with_a_tie(self, postgres: EmbeddedPostgres) -> None:
        url = await fresh_database(postgres, migrate=False)
        await asyncio.to_thread(upgrade, url, "0004_audit_chain_head")
        engine = create_engine(url)
        sessions = session_factory(engine)
        try:
            async with sessions() as session, session.begin():  # today's writes need today's columns and tables
                await session.execute(text(_LIST_COLUMNS_ADDED))
                await session.run_sync(lambda s: table_of(SubsidyPolicy).create(s.connection()))
                await session.run_sync(lambda s: table_of(StationMember).create(s.connection()))
                await load_demo_data(session)
            activities = LoanActivities(sessions)
            assert await activities.record_loan_step(step(1, "opened", "first"))
            assert await activities.record_loan_step(step(2, "update-2", "second"))
            async with sessions() as session, session.begin():  # a tie, as two racing writers could leave it
                await session.execute(text("UPDATE loan_event SET seq = 1 WHERE event_key = 'update-2'"))
            assert await activities.record_loan_step(step(3, "update-3", "third"))
            async with sessions() as session, session.begin():  # as the rows were before 0010_loan_list_columns
                await session.execute(text("ALTER TABLE loan DROP COLUMN enterprise_name, DROP COLUMN waiting_on"))
                await session.execute(text("DROP TABLE subsidy_policy"))
                await session.execute(text("DROP TABLE station_member"))
            await asyncio.to_thread(upgrade, url)
            async with sessions() as session:
                assert (await written(session))[0] == [(1, "opened"), (2, "update-2"), (3, "update-3")]
                # 0010 filled the list columns from the state the rows hold
                loan = (await session.execute(text("SELECT enterprise_name, waiting_on, state FROM loan"))).one()
                assert loan.enterprise_name == loan.state["enterprise_name"] != ""
                assert loan.waiting_on == loan.state["waiting_on"] != []
        finally:
            await engine.dispose()


_LIST_COLUMNS_ADDED = (
    "ALTER TABLE loan ADD COLUMN enterprise_name text NOT NULL DEFAULT '',"
    " ADD COLUMN waiting_on jsonb NOT NULL DEFAULT '[]'::jsonb"
)


class TestLoanWithPartyNames:
    async def test_the_parties_names_come_with_the_loan(self, activities: LoanActivities, db: AsyncSession) -> None:
        recorded = step(1, "opened", "first")
        recorded.state.bank_id = "boc-shenzhen"
        recorded.summary = recorded.state.summary()  # as the workflow computes it, from the state it sends
        assert await activities.record_loan_step(recorded)
        found = await repository.get_loan_with_party_names(db, "L-store")
        assert found is not None
        loan, names = found
        assert (loan.id, loan.bank_id) == ("L-store", "boc-shenzhen")
        assert set(names) == {"boc-shenzhen", "station-guangming"}
        assert names["boc-shenzhen"] == "中国银行"
        assert await repository.get_loan_with_party_names(db, "no-such-loan") is None
