"""The rules of the house, as tests: who may import whom."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# I/O frameworks and clients that pure domain code must not touch.
IO_FRAMEWORKS = (
    "asyncpg",
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "requests",
    "temporalio",
    "structlog",
    "opentelemetry",
    "socket",
    "subprocess",
    "urllib",
    "aiohttp",
    "psycopg",
)


# The modules that hold workflow code (what Temporal replays), as opposed to activities and the worker.
WORKFLOW_CODE = (
    "services.workflows.loan",
    "services.workflows.disposal",
    "services.workflows.webhooks",
    "services.workflows.persistence",
    "services.workflows.subsidy_claim",
    "services.workflows.subsidy_drafting",
    "services.workflows.whitelist_push",
)


def imports_of(package: str) -> Iterator[tuple[Path, str]]:
    """Every import of a package (a folder) or of one module (`services.workflows.disposal`)."""
    base = ROOT / package.replace(".", "/")
    paths = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                yield path, node.module


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in imports_of(package)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    ]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("contracts", ("services",)),
        ("services.api", ("services.workflows",)),
        ("services.workflows", ("services.api",)),
        ("services.domain", IO_FRAMEWORKS),
        ("services.domain", ("services.store", "services.api", "services.workflows", "services.platform")),
        # Workflow code is deterministic and does no I/O: it never reaches the store (or the platform's clients);
        # its activities do, in services/workflows/activities.
        *((workflow_module, ("services.store", "services.platform")) for workflow_module in WORKFLOW_CODE),
    ],
)
def test_import_rule(package: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(package, forbidden) == []


# What the API and the workers may take from the database libraries: sessions and exception types. Queries live in
# services/store, so a route or an activity never builds SQL of its own.
DATABASE_LIBRARIES = ("sqlalchemy", "sqlmodel", "asyncpg")
ALLOWED_DATABASE_IMPORTS = ("sqlalchemy.ext.asyncio", "sqlalchemy.exc")


@pytest.mark.parametrize("package", ["services.api", "services.workflows"])
def test_queries_live_in_the_store(package: str) -> None:
    used = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path, module in imports_of(package)
        if any(module == lib or module.startswith(lib + ".") for lib in DATABASE_LIBRARIES)
        and module not in ALLOWED_DATABASE_IMPORTS
    ]
    assert used == []


def test_rule_checker_sees_violations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checker itself must notice a forbidden import (so the rules above cannot pass vacuously)."""
    fake = tmp_path / "contracts"
    fake.mkdir()
    (fake / "bad.py").write_text("from services.store.db import create_engine\nimport services.api\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert offenders("contracts", ("services",)) == [
        "contracts/bad.py imports services.store.db",
        "contracts/bad.py imports services.api",
    ]


def test_every_package_says_what_it_is_for() -> None:
    for init in [ROOT / "contracts" / "__init__.py", *sorted((ROOT / "services").rglob("__init__.py"))]:
        docstring = ast.get_docstring(ast.parse(init.read_text()))
        assert docstring, f"{init.relative_to(ROOT)} has no docstring"
