"""`make bench`: a claim round of 2,000 claims in one district — the round's pro-rata cut, its public notice list
and the list as a workbook, each as pledgeflow does it beside the same aggregate written as hand-tuned SQL over the
same rows (the baseline, measured in the same run).

The claims are rows of the read model (`subsidy_claim`, each with a claim workflow's state), copied in SQL from one
template with amounts spread over ¥1,000–¥500,000, all through their notice. Figures are wall time in milliseconds
(p50 and p99 of `--runs`); the last line is the summary."""

from __future__ import annotations

import argparse
import asyncio
import io
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from sqlalchemy import text

from contracts.base import Actor
from contracts.enums import District, Role
from contracts.subsidy_claim import ClaimDecision, ClaimState, ClaimStatus, ReviewProposal
from services.api.subsidy_claims import round_steps
from services.domain.subsidy.rounds import cut_pro_rata
from services.platform.embedded import EmbeddedPostgres, free_port
from services.platform.logging import configure_logging
from services.platform.settings import LogFormat
from services.store import subsidy_claims
from services.store.db import create_engine, session_factory
from services.store.migrate import upgrade
from services.store.seed import load_demo_data
from services.store.subsidy_claims import claim_row
from tests.bench.loan_bench import emit, percentile
from tests.workflows import claim_steps

ROUND = "guangming-bench"
BUDGET = Decimal("50000000.00")
REVIEWER = Actor(
    sub="wu@guangming", role=Role.DISTRICT_REVIEWER, org_id="office-guangming", district=District.GUANGMING
)

# The baselines: the same aggregates as one hand-written statement each.
CUT_SQL = """
WITH claims AS (
    SELECT id, approved FROM subsidy_claim WHERE round_id = :round AND status = 'noticed'
), total AS (SELECT sum(approved) AS t FROM claims),
shares AS (
    SELECT id, approved, approved * :budget / total.t AS exact,
           floor(approved * :budget / total.t * 100) / 100 AS floored
    FROM claims, total
), left_over AS (SELECT round((:budget - sum(floored)) * 100)::int AS fen FROM shares)
SELECT id, floored + CASE WHEN row_number() OVER (ORDER BY exact - floored DESC, id) <= left_over.fen
                          THEN 0.01 ELSE 0 END AS share
FROM shares, left_over
"""
NOTICE_SQL = """
SELECT id, enterprise_name, kind, approved, status, state->'notice'->>'ends_on' AS ends_on
FROM subsidy_claim WHERE round_id = :round AND status = ANY(:statuses) ORDER BY enterprise_name, id
"""


def template_state(claim_id: str) -> ClaimState:
    now = datetime.now(UTC)
    data = claim_steps.claim_input(ROUND, now)
    state = ClaimState(
        **data.model_dump(exclude={"drafted", "first"}), status=ClaimStatus.NOTICED, revisions=[data.first]
    )
    state.claim_id = claim_id
    state.proposal = ReviewProposal(by=REVIEWER, at=now, amount=claim_steps.COMPUTED, reason=None,
                                    computation=claim_steps.computation())  # fmt: skip
    state.approval = ClaimDecision(by=REVIEWER, at=now)
    return state


async def make_round(sessions: Any, claims: int) -> None:
    async with sessions() as session, session.begin():
        await load_demo_data(session)
        await session.execute(
            text(
                "INSERT INTO subsidy_round (id, district, policy_id, title, filing_opens, filing_closes,"
                " created_by, created_at)"
                " VALUES (:id, 'guangming', 'guangming-2026-v2', '基准批次', :opens, :closes, 'bench', now())"
            ),
            {"id": ROUND, "opens": date(2026, 2, 1), "closes": date(2026, 12, 31)},
        )
        row = claim_row(template_state("bench-template"), datetime.now(UTC))
        row["state"] = template_state("bench-template").model_dump_json()
        columns = ", ".join(row)
        values = ", ".join(f"CAST(:{k} AS jsonb)" if k == "state" else f":{k}" for k in row)
        await session.execute(text(f"INSERT INTO subsidy_claim ({columns}) VALUES ({values})"), row)  # noqa: S608
        copied = [c for c in row if c not in ("id", "approved", "enterprise_name")]
        await session.execute(
            text(
                f"INSERT INTO subsidy_claim (id, approved, enterprise_name, {', '.join(copied)}) "  # noqa: S608
                f"SELECT 'bench-' || lpad(n::text, 6, '0'), round((1000 + (n * 7919) % 499000)::numeric, 2), "
                f"'企业' || lpad(n::text, 6, '0'), {', '.join(copied)} "
                "FROM subsidy_claim, generate_series(1, :n) AS n WHERE id = 'bench-template'"
            ),
            {"n": claims - 1},
        )
        await session.execute(text("ANALYZE subsidy_claim"))


async def measure(runs: int, call: Callable[[], Awaitable[Any]]) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


async def compare(
    name: str, ours: Callable[[], Awaitable[Any]], baseline: Callable[[], Awaitable[Any]], runs: int
) -> dict[str, float]:
    """p50/p99 of ours and of the baseline, interleaved call by call so that both meet the same machine."""
    for _ in range(3):  # warm-up
        await ours()
        await baseline()
    mine: list[float] = []
    base: list[float] = []
    for _ in range(runs):
        mine += await measure(1, ours)
        base += await measure(1, baseline)
    figures = {
        f"{name}_p50_ms": round(percentile(mine, 50), 2),
        f"{name}_p99_ms": round(percentile(mine, 99), 2),
        f"{name}_sql_p50_ms": round(percentile(base, 50), 2),
        f"{name}_sql_p99_ms": round(percentile(base, 99), 2),
        f"{name}_ratio": round(percentile(mine, 50) / percentile(base, 50), 2),
    }
    emit(figure=name, **figures)
    return figures


async def main(claims: int, runs: int) -> None:
    configure_logging(LogFormat.CONSOLE, "WARNING")
    root = Path(tempfile.mkdtemp(prefix="pledgeflow-subsidy-bench-"))
    postgres = EmbeddedPostgres(root / "pg", free_port(), log_path=root / "pg.log")
    postgres.start()
    try:
        postgres.create_database("bench")
        url = postgres.url("bench")
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url, pool_size=2)
        sessions = session_factory(engine)
        await make_round(sessions, claims)

        async def cut() -> dict[str, Decimal]:
            async with sessions() as session:  # as the funding plan does it (round_steps.issue_funding_plan)
                approved = await subsidy_claims.approved_of_round(session, ROUND, ClaimStatus.NOTICED.value)
                return cut_pro_rata(approved, BUDGET)

        async def cut_sql() -> list[Any]:
            async with sessions() as session:
                return list((await session.execute(text(CUT_SQL), {"round": ROUND, "budget": BUDGET})).all())

        statuses = [s.value for s in round_steps.ON_NOTICE]

        async def notice() -> Any:
            async with sessions() as session:
                return await round_steps.notice_list(session, ROUND)

        async def notice_sql() -> list[Any]:
            async with sessions() as session:
                return list((await session.execute(text(NOTICE_SQL), {"round": ROUND, "statuses": statuses})).all())

        listed = await notice()

        async def workbook() -> bytes:
            return round_steps.notice_workbook(listed)

        rows = await notice_sql()

        async def workbook_sql() -> bytes:
            buffer = io.BytesIO()
            book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
            sheet = book.add_worksheet("公示名单")
            for n, row in enumerate(rows, start=1):
                sheet.write_row(n, 0, (n, row.enterprise_name, row.kind, float(row.approved), row.ends_on or ""))
            book.close()
            return buffer.getvalue()

        # Both cuts agree to the fen (the figures compare like with like).
        ours, theirs = await cut(), {r.id: r.share for r in await cut_sql()}
        assert sum(ours.values()) == BUDGET == sum(theirs.values()), (sum(ours.values()), sum(theirs.values()))
        summary: dict[str, Any] = {"claims": claims, "runs": runs}
        for name, ours_call, baseline in (
            ("cut", cut, cut_sql),
            ("notice", notice, notice_sql),
            ("workbook", workbook, workbook_sql),
        ):
            summary |= await compare(name, ours_call, baseline, runs)
        emit(**summary)
        await engine.dispose()
    finally:
        postgres.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=30)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.claims, arguments.runs))
