"""`make bench`: a station's board with 2,000 open cases — `GET /stations/{id}/cases` (server time, p50/p99) beside
the one SQL statement that reads what the board shows (the baseline, timed in the same run over the same rows).

One loan is driven to disbursement by its station's specialist over HTTP; its read model and timeline are copied
to 1,999 more cases of the same station (`tests/bench/console_bench.make_book`)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from contracts.enums import District, Role
from services.platform.auth import mint_token
from services.platform.logging import configure_logging
from services.platform.settings import LogFormat
from tests.bench.console_bench import call, make_book, stack
from tests.bench.loan_bench import OFFICER, SECRET, Http, drive_loan, emit, percentile

WARM_UP = 10
BOARD = "/stations/station-guangming/cases"
SPECIALIST = {
    "Authorization": "Bearer "
    + mint_token(
        SECRET, sub="bench-specialist", role=Role.STATION_SPECIALIST, org_id="station-guangming",
        district=District.GUANGMING,
    )
}  # fmt: skip

# What the board shows, as one statement: each open case's columns, its last visit and next planned visit, its
# earliest pending registration deadline and unsettled instalment, and when it entered its stage.
BASELINE = text(
    """
    WITH last_other AS (
        SELECT e.loan_id, max(e.seq) AS seq FROM loan_event e JOIN loan l ON l.id = e.loan_id
        WHERE l.station_id = :station AND e.stage <> l.stage GROUP BY e.loan_id
    ), since AS (
        SELECT e.loan_id, min(e.occurred_at) AS at FROM loan_event e JOIN loan l ON l.id = e.loan_id
        LEFT JOIN last_other o ON o.loan_id = e.loan_id
        WHERE l.station_id = :station AND e.seq > coalesce(o.seq, 0) GROUP BY e.loan_id
    )
    SELECT l.id, l.enterprise_name, l.stage, l.updated_at, l.waiting_on, s.at,
           l.state->'visits'->-1->>'visited_on', l.state->'visits'->-1->>'next_visit_on',
           (SELECT min(f.value->>'deadline') FROM jsonb_each(l.state->'filings') f
             WHERE f.value->>'outcome' = 'pending'),
           (SELECT min(x->>'due_date') FROM jsonb_array_elements(l.state->'servicing'->'ledger'->'lines') x
             WHERE (x->>'principal')::numeric + (x->>'interest')::numeric
                   > (x->>'paid_principal')::numeric + (x->>'paid_interest')::numeric)
    FROM loan l LEFT JOIN since s ON s.loan_id = l.id
    WHERE l.station_id = :station
      AND l.stage IN ('guidance','valuation','approval','registration','disbursement','servicing','release','default')
    ORDER BY l.updated_at
    """
)


async def main(calls: int, book: int) -> None:
    configure_logging(LogFormat.CONSOLE, "WARNING")
    root = Path(tempfile.mkdtemp(prefix="pledgeflow-board-bench-"))
    async with stack(root) as (base, sessions, _), httpx.AsyncClient(base_url=base, timeout=120) as http:
        await drive_loan(Http(http), "bench-0")
        template = (await http.get("/loans?limit=1", headers=OFFICER)).json()["items"][0]["id"]
        await make_book(sessions, template, book - 1)
        shown = (await http.get(BOARD, headers=SPECIALIST)).json()
        assert len(shown["cases"]) == book, len(shown["cases"])
        board: list[float] = []
        baseline: list[float] = []
        for n in range(WARM_UP + calls):
            served = await call(http, BOARD, SPECIALIST)
            async with sessions() as session:  # type: ignore[operator]
                started = time.perf_counter()
                rows = (await session.execute(BASELINE, {"station": "station-guangming"})).all()
                sql = (time.perf_counter() - started) * 1000
            assert len(rows) == book
            if n >= WARM_UP:
                board.append(served)
                baseline.append(sql)
    for name, samples in (("board", board), ("one_sql_statement", baseline)):
        emit(
            figure=name, cases=book, p50_ms=round(percentile(samples, 50), 1), p99_ms=round(percentile(samples, 99), 1)
        )
    emit(
        summary="station board",
        cases=book,
        board_p50_ms=round(percentile(board, 50), 1),
        sql_p50_ms=round(percentile(baseline, 50), 1),
        ratio=round(percentile(board, 50) / percentile(baseline, 50), 1),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=30, help="measured calls")
    parser.add_argument("--cases", type=int, default=2_000, help="open cases of the station")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.calls, arguments.cases))
