"""The hash-chained, append-only audit trail and `pledgeflow audit verify`."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from services.cli.main import main
from services.platform.embedded import EmbeddedPostgres
from services.store.audit import GENESIS_HASH, AuditEntry, append_audit, list_audit, payload_digest, verify_chains
from services.store.db import create_engine, session_factory
from tests.conftest import fresh_database


def entry(target_id: str, action: str = "loan.visit_logged", **extra: object) -> AuditEntry:
    return AuditEntry(
        actor_sub="officer.li@boc",
        actor_role="bank_officer",
        actor_org="boc-shenzhen",
        action=action,
        target_type="loan",
        target_id=target_id,
        payload_digest=payload_digest({"n": action}),
        request_id="req-1",
        trace_id="0" * 32,
        **extra,  # type: ignore[arg-type]
    )


class TestAppend:
    async def test_chain_links(self, db: AsyncSession) -> None:
        first = await append_audit(db, entry("L1", "loan.opened"))
        second = await append_audit(db, entry("L1", "loan.visit_logged"))
        other = await append_audit(db, entry("L2", "loan.opened"))
        assert (first.seq, second.seq, other.seq) == (1, 2, 1)
        assert first.prev_hash == GENESIS_HASH
        assert second.prev_hash == first.hash
        assert other.prev_hash == GENESIS_HASH
        result = await verify_chains(db)
        assert result.ok
        assert (result.chains, result.records) == (2, 3)

    async def test_dedup_key_appends_once(self, db: AsyncSession) -> None:
        a = await append_audit(db, entry("L3", dedup_key="update-7"))
        b = await append_audit(db, entry("L3", dedup_key="update-7"))
        assert a.id == b.id
        assert len(await list_audit(db, "loan:L3")) == 1

    async def test_append_only(self, db: AsyncSession) -> None:
        await append_audit(db, entry("L4"))
        for statement in ("UPDATE audit_record SET action = 'x'", "DELETE FROM audit_record", "TRUNCATE audit_record"):
            with pytest.raises(DBAPIError, match="append-only"):
                async with db.begin_nested():
                    await db.execute(text(statement))


class TestVerify:
    async def _tamper(self, db: AsyncSession, statement: str) -> None:
        await db.execute(text("ALTER TABLE audit_record DISABLE TRIGGER audit_record_no_change"))
        await db.execute(text(statement))
        await db.execute(text("ALTER TABLE audit_record ENABLE TRIGGER audit_record_no_change"))

    async def test_altered_record(self, db: AsyncSession) -> None:
        for action in ("a", "b", "c"):
            await append_audit(db, entry("T1", action))
        await append_audit(db, entry("T2"))
        await self._tamper(db, "UPDATE audit_record SET actor_sub = 'mallory' WHERE chain = 'loan:T1' AND seq = 2")
        result = await verify_chains(db)
        assert [(b.chain, b.seq) for b in result.broken] == [("loan:T1", 2)]
        assert "altered" in result.broken[0].reason

    async def test_removed_record(self, db: AsyncSession) -> None:
        for action in ("a", "b", "c"):
            await append_audit(db, entry("T3", action))
        await self._tamper(db, "DELETE FROM audit_record WHERE chain = 'loan:T3' AND seq = 2")
        result = await verify_chains(db)
        assert [(b.chain, b.seq) for b in result.broken] == [("loan:T3", 3)]
        assert "missing" in result.broken[0].reason

    async def test_rehashed_record_breaks_next_link(self, db: AsyncSession) -> None:
        """Rewriting a record and its own hash is caught by the next record's prev_hash."""
        records = [await append_audit(db, entry("T4", action)) for action in ("a", "b")]
        await self._tamper(db, f"UPDATE audit_record SET hash = '{'f' * 64}' WHERE id = {records[0].id}")  # noqa: S608
        result = await verify_chains(db)
        assert [(b.chain, b.seq) for b in result.broken] == [("loan:T4", 1)]


class TestConcurrency:
    async def test_other_chains_do_not_wait(self, postgres: EmbeddedPostgres) -> None:
        engine = create_engine(await fresh_database(postgres))
        sessions = session_factory(engine)
        try:
            async with sessions() as holder, holder.begin():
                await append_audit(holder, entry("busy"))  # holds chain loan:busy until this block ends
                async with sessions() as other, other.begin():
                    await asyncio.wait_for(append_audit(other, entry("free")), timeout=5)
                async with sessions() as same:
                    await same.execute(text("SET lock_timeout = '300ms'"))
                    with pytest.raises(DBAPIError, match="lock timeout"):
                        await append_audit(same, entry("busy"))
                    await same.rollback()
        finally:
            await engine.dispose()

    async def test_concurrent_writers_of_one_chain_stay_linked(self, postgres: EmbeddedPostgres) -> None:
        engine = create_engine(await fresh_database(postgres), pool_size=10)
        sessions = session_factory(engine)

        async def write(n: int) -> None:
            async with sessions() as session, session.begin():
                await append_audit(session, entry("hot", f"step-{n}"))

        try:
            await asyncio.gather(*(write(n) for n in range(20)))
            async with sessions() as session:
                result = await verify_chains(session)
            assert result.ok
            assert result.records == 20
        finally:
            await engine.dispose()


class TestVerifyCommand:
    async def test_names_first_broken_link(
        self, postgres: EmbeddedPostgres, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        url = await fresh_database(postgres)
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session, session.begin():
                for action in ("opened", "valued", "approved"):
                    await append_audit(session, entry("CLI", action))
            monkeypatch.setenv("PLEDGEFLOW_DATABASE_URL", url)
            assert await asyncio.to_thread(main, ["audit", "verify"]) == 0
            assert "every chain verifies" in capsys.readouterr().out
            async with session_factory(engine)() as session, session.begin():
                await TestVerify()._tamper(
                    session, "UPDATE audit_record SET action = 'loan.forged' WHERE chain = 'loan:CLI' AND seq = 2"
                )
            assert await asyncio.to_thread(main, ["audit", "verify"]) == 1
            captured = capsys.readouterr()
            assert "BROKEN chain loan:CLI at record 2" in captured.out
            assert "first broken link: chain loan:CLI, record 2" in captured.err
        finally:
            await engine.dispose()
