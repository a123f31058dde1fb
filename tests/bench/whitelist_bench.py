"""`make bench`: a district's white list of 100,000 enterprises imported from an XLSX file — rows per second and peak
memory of reading and checking every row, of the whole import (read, check, store for review) and of its commit —
beside the bare read of the same file with the same reader (python-calamine), measured in the same run.

Each measurement runs in a process of its own, so that its peak memory (`ru_maxrss`) is its own; `before` is the
process's memory once its modules are imported, so `peak - before` is what the work itself took. Figures: seconds
(the best of `--runs`), rows per second, MiB."""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import xlsxwriter
from stdnum.cn import uscc

from tests.bench.loan_bench import emit

HEADER = [
    "统一社会信用代码",
    "企业名称",
    "所属区",
    "企业类别",
    "来源",
    "年度",
    "专利数",
    "商标数",
    "融资需求",
    "需求说明",
]
CATEGORIES = ["高新技术企业", "专精特新企业、高新技术企业", "科技型中小企业", "知识产权优势示范企业", "专利奖获奖企业"]


def make_file(path: Path, rows: int) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("白名单")
    sheet.write_row(0, 0, HEADER)
    for n in range(1, rows + 1):
        base = f"91440300MA{n:07d}"
        sheet.write_row(
            n,
            0,
            [
                base + uscc.calc_check_digit(base),
                f"深圳光明示例科技{n}有限公司",
                "光明区",
                CATEGORIES[n % len(CATEGORIES)],
                "区科技创新局",
                2026,
                n % 40,
                n % 7,
                "是" if n % 3 == 0 else "否",
                "流动资金" if n % 3 == 0 else "",
            ],
        )
    book.close()


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_read(path: Path) -> dict[str, Any]:
    from python_calamine import CalamineWorkbook

    before = _rss_mib()
    started = time.perf_counter()
    rows = sum(1 for _ in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()) - 1
    return {"seconds": time.perf_counter() - started, "rows": rows, "before": before, "peak": _rss_mib()}


def child_check(path: Path) -> dict[str, Any]:
    from contracts.enums import District
    from services.domain.whitelist.reading import read_table
    from services.domain.whitelist.rows import iter_checked

    before = _rss_mib()
    started = time.perf_counter()
    checked = sum(1 for _ in iter_checked(read_table(path.read_bytes()), District.GUANGMING, 2026, {}))
    return {"seconds": time.perf_counter() - started, "rows": checked, "before": before, "peak": _rss_mib()}


async def _import(path: Path, content: bytes, url: str) -> dict[str, Any]:
    from contracts.enums import District, Role
    from services.api.dependencies import RequestContext
    from services.api.whitelist import service
    from services.platform.auth import Principal
    from services.store.db import create_engine, session_factory

    principal = Principal(
        sub="bench", role=Role.DISTRICT_REVIEWER, org_id="office-guangming", district=District.GUANGMING
    )
    context = RequestContext(principal=principal, request_id=None, trace_id=None, idempotency_key=None)
    engine = create_engine(url, pool_size=1)
    before = _rss_mib()
    try:
        async with session_factory(engine)() as session:
            started = time.perf_counter()
            report = await service.upload(session, context, content, path.name, District.GUANGMING, 200 * 2**20)
            uploaded = time.perf_counter() - started
            started = time.perf_counter()
            committed = await service.commit(session, context, report.id)
            commit = time.perf_counter() - started
    finally:
        await engine.dispose()
    rows = sum(report.counts.values())
    return {"seconds": uploaded, "commit_seconds": commit, "written": committed.written, "rows": rows,
            "before": before, "peak": _rss_mib()}  # fmt: skip


def run_child(kind: str, path: Path, url: str = "") -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.whitelist_bench", "--child", kind, str(path), url],
        capture_output=True, text=True, check=True, timeout=1800,
    )  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def best(kind: str, runs: int, path: Path, url_of: Any = None) -> dict[str, Any]:
    results = [run_child(kind, path, url_of() if url_of else "") for _ in range(runs)]
    return min(results, key=lambda r: float(r["seconds"]))


def figure(name: str, result: dict[str, Any]) -> dict[str, Any]:
    return {
        "figure": name,
        "seconds": round(result["seconds"], 3),
        "rows_per_second": round(result["rows"] / result["seconds"]),
        "memory_mib": round(result["peak"] - result["before"], 1),
        "peak_rss_mib": round(result["peak"], 1),
    }


def main(rows: int, runs: int) -> None:
    from services.platform.embedded import EmbeddedPostgres, free_port
    from services.store.migrate import upgrade

    root = Path(tempfile.mkdtemp(prefix="pledgeflow-whitelist-bench-"))
    path = root / "白名单.xlsx"
    make_file(path, rows)
    postgres = EmbeddedPostgres(root / "pg", free_port(), log_path=root / "pg.log")
    postgres.start()
    databases = iter(range(runs))
    try:

        def fresh() -> str:
            name = f"bench{next(databases)}"
            postgres.create_database(name)
            url = postgres.url(name)
            upgrade(url)
            return url

        read = figure("bare read (calamine)", best("read", runs, path))
        emit(**read, file_mib=round(path.stat().st_size / 2**20, 1), rows=rows)
        checked = figure("read and check every row", best("check", runs, path))
        emit(**checked, baseline_ratio=round(checked["seconds"] / read["seconds"], 1))
        result = best("import", runs, path, fresh)
        imported = figure("import: read, check, store for review", result)
        emit(**imported, baseline_ratio=round(imported["seconds"] / read["seconds"], 1))
        emit(figure="commit: write the list", seconds=round(result["commit_seconds"], 3), written=result["written"])
        emit(
            summary="whitelist import",
            rows=rows,
            read_rows_per_second=read["rows_per_second"],
            import_rows_per_second=imported["rows_per_second"],
            import_vs_read=round(imported["seconds"] / read["seconds"], 1),
            import_memory_mib=imported["memory_mib"],
        )
    finally:
        postgres.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("KIND", "FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, file, url = args.child
        if kind == "read":
            print(json.dumps(child_read(Path(file))))
        elif kind == "check":
            print(json.dumps(child_check(Path(file))))
        else:
            print(json.dumps(asyncio.run(_import(Path(file), Path(file).read_bytes(), url))))
    else:
        main(args.rows, args.runs)
