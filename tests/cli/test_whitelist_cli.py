"""`pledgeflow whitelist import`: the command, run as a process against a real database, shows its progress on
stderr and the same report as the API — counts, every refused row with its reason — and writes with `--commit`."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from services.platform.embedded import EmbeddedPostgres
from services.store.db import create_engine, session_factory
from services.store.whitelist_tables import WhitelistEntry
from tests.conftest import fresh_database, repo_root
from tests.domain.test_whitelist import code, csv_bytes, row

pytestmark = pytest.mark.e2e


async def pledgeflow(url: str, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.cli.main", *args,
        cwd=repo_root(),
        env={**os.environ, "PLEDGEFLOW_DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_import_shows_progress_and_the_report_and_commits(postgres: EmbeddedPostgres, tmp_path: Path) -> None:
    url = await fresh_database(postgres)
    bad = code(7)[:-1] + ("0" if code(7)[-1] != "0" else "1")
    file = tmp_path / "光明白名单.csv"
    await asyncio.to_thread(
        file.write_bytes, csv_bytes([row(5), row(6), row(5), row(7, 统一社会信用代码=bad)], "gb18030")
    )

    status, out, err = await pledgeflow(url, "whitelist", "import", str(file), "--district", "guangming", "--commit")
    assert status == 0, err
    assert "检查行" in err
    assert "100%" in err
    assert "新增 new               2" in out
    assert "row 4: 重复 — the same credit code as row 2" in out
    assert "row 5: 有误 —" in out
    assert "written to the list: 2 entries" in out
    engine = create_engine(url, pool_size=1)
    async with session_factory(engine)() as session:
        codes = (await session.execute(select(col(WhitelistEntry.credit_code)))).scalars().all()
    await engine.dispose()
    assert sorted(codes) == sorted([code(5), code(6)])

    status, out, _ = await pledgeflow(url, "whitelist", "import", str(file), "--district", "guangming")
    assert status == 0
    assert "无变化 unchanged         2" in out
    assert "review it, then commit" in out


async def test_a_file_that_is_no_table_is_refused(postgres: EmbeddedPostgres, tmp_path: Path) -> None:
    url = await fresh_database(postgres)
    file = tmp_path / "名单.csv"
    await asyncio.to_thread(file.write_bytes, b"%PDF-1.7 renamed")
    status, _, err = await pledgeflow(url, "whitelist", "import", str(file), "--district", "guangming")
    assert status == 1
    assert "neither a CSV nor an Excel workbook" in err
