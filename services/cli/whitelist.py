"""`pledgeflow whitelist import FILE --district D [--commit]`: a district's white list imported from the command
line, through the same checks as the API's import (services/api/whitelist/service) — a progress bar on stderr while
the rows are checked, then the same report: the counts of each result and every refused row with its reason. Without
`--commit` the import waits for review (in the console or the API) as an upload does; with it, it is written at once.
It acts as the district's office (`--by` names who ran it, for the audit trail)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from contracts.enums import District, Role
from contracts.whitelist import RowResult
from services.api.dependencies import RequestContext
from services.api.errors import ApiError
from services.api.whitelist import service
from services.platform.auth import Principal
from services.store.db import create_engine, session_factory

BAR = 30


def _progress(done: int, total: int) -> None:
    share = done / total if total else 1.0
    filled = round(BAR * share)
    print(
        f"\r检查行 {done:>9,} / {total:,} [{'#' * filled}{'.' * (BAR - filled)}] {share:4.0%}", end="", file=sys.stderr
    )
    if done >= total:
        print(file=sys.stderr)


async def run_import(
    url: str, path: Path, content: bytes, district: District, *, commit: bool, by: str, limit: int
) -> int:
    principal = Principal(sub=by, role=Role.DISTRICT_REVIEWER, org_id=f"office-{district.value}", district=district)
    context = RequestContext(principal=principal, request_id=None, trace_id=None, idempotency_key=None)
    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            try:
                report = await service.upload(session, context, content, path.name, district, limit, _progress)
                if commit:
                    report = await service.commit(session, context, report.id)
            except ApiError as refused:
                print(f"pledgeflow whitelist: {refused.detail}", file=sys.stderr)
                return 1
            rejected = await service.view(session, principal, report.id, rejected_only=True)
    finally:
        await engine.dispose()
    print(f"import {report.id} of {district.label}'s white list ({report.format}, {path.name}): {report.status}")
    for result in RowResult:
        print(f"  {result.label} {result.value:<9} {report.counts.get(result, 0):>9,}")
    for row in rejected.rows:
        print(f"  row {row.number}: {row.result_label} — {row.reason}")
    if rejected.next_after is not None:
        print(f"  … more refused rows: GET /whitelist/imports/{report.id}/errors.xlsx")
    if commit:
        print(f"written to the list: {report.written} entries")
    else:
        print(f"review it, then commit: POST /whitelist/imports/{report.id}/commit (or in the console)")
    return 0


def main(url: str, file: str, district: str, commit: bool, by: str, limit: int) -> int:
    path = Path(file)
    if not path.is_file():
        print(f"pledgeflow whitelist: there is no file {file}", file=sys.stderr)
        return 2
    content = path.read_bytes()
    return asyncio.run(run_import(url, path, content, District(district), commit=commit, by=by, limit=limit))
