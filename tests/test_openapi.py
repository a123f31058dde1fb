"""`contracts/openapi.json` is exactly what the app serves (re-export with `make openapi`)."""

from __future__ import annotations

import json

from services.cli.main import OPENAPI_PATH, render_openapi


def test_openapi_is_current() -> None:
    assert OPENAPI_PATH.exists(), "contracts/openapi.json is missing: run `make openapi`"
    assert OPENAPI_PATH.read_text() == render_openapi(), "contracts/openapi.json drifted: run `make openapi`"


def test_every_error_response_is_a_problem() -> None:
    schema = json.loads(render_openapi())
    assert "Problem" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    content = response["content"]
                    assert list(content) == ["application/problem+json"], f"{method.upper()} {path} {status}"


def test_posts_document_idempotency_key() -> None:
    schema = json.loads(render_openapi())
    for path, operations in schema["paths"].items():
        if "post" in operations:
            names = [p["name"] for p in operations["post"].get("parameters", [])]
            assert "Idempotency-Key" in names, path
