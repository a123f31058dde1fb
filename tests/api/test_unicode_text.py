"""Arbitrary Unicode in every free-text field of every loan step: stored and returned verbatim, or refused with a
422 — never a 500, never a hang, and the loan answers its next step.

Property-based (hypothesis): text from the whole of Unicode, lone surrogates, NUL and other control characters
included, and strings longer than any field allows. Two levels:
- every text field of every step's request model: what the model accepts comes back verbatim from PostgreSQL (as
  text and inside JSON, the way steps are stored); what it refuses is a validation error (the API's 422);
- over HTTP, the fields of the steps a case takes again and again (visits, checklist, qualification review): the
  answer is 200 with the text as sent, or 422; and a plain visit afterwards still goes through.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from contracts import disposal, loan_steps
from services.api.loans.schemas import OpenLoanRequest
from tests.api.loan_stack import SPECIALIST, Stack, open_case, today

EDGES = [
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\r\n",
    "\t",
    "\u0085",
    "\u2028",
    "\ud800",
    "\udfff x",
    "\ufeff",
    "\u200f\u202e右到左",
    "e\u0301",
    "🏦💴",
    "𠮷野家",
    "x" * 200,
    "x" * 201,
    "字" * 2000,
    "字" * 2001,
]
TEXT = st.one_of(
    st.sampled_from(EDGES),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=2100),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60),
)

# Every step request with free text (the Request models of contracts, and opening a case).
MODELS: list[type[BaseModel]] = [
    OpenLoanRequest,
    *(
        model
        for module in (loan_steps, disposal)
        for name, model in vars(module).items()
        if name.endswith("Request") and isinstance(model, type) and issubclass(model, BaseModel)
    ),
]


def _bare(annotation: Any) -> Any:
    """`X` of `X | None` and of `Annotated[X, ...]`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_id(name: str) -> bool:
    return name.endswith(("_id", "_ids"))


def _text_fields(model: type[BaseModel]) -> list[tuple[str, bool]]:
    """(field, is a list of text) for each free-text field (ids are not free text: they have a pattern)."""
    found = []
    for name, field in model.model_fields.items():
        annotation = _bare(field.annotation)
        if _is_id(name):
            continue
        if annotation is str:
            found.append((name, False))
        elif typing.get_origin(annotation) is list and _bare(typing.get_args(annotation)[0]) is str:
            found.append((name, True))
    return found


def _sample(annotation: Any, name: str) -> Any:
    """A valid value for a field of these models (ids, dates, money, enums, flags, numbers)."""
    annotation = _bare(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        return [_sample(typing.get_args(annotation)[0], name)]
    if annotation is str:
        return "ip-gm-inv-1" if _is_id(name) else "正常文本"
    if annotation is date:
        return today()
    if annotation is Decimal:
        return "100.00"
    if annotation is bool:
        return True
    if annotation is int:
        return 12
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation)).value
    raise AssertionError(f"no sample for {name}: {annotation}")


def base_body(model: type[BaseModel]) -> dict[str, Any]:
    return {name: _sample(field.annotation, name) for name, field in model.model_fields.items()}


CASES = [(model, field, many) for model in MODELS for field, many in _text_fields(model)]


def test_every_step_with_text_is_covered() -> None:
    names = {model.__name__ for model, _, _ in CASES}
    assert {"LogVisitRequest", "DecideApprovalRequest", "DisburseRequest", "DisposalSaleRequest"} <= names
    assert len(CASES) >= 30
    for model, _, _ in CASES:
        model.model_validate(base_body(model))  # the base bodies are valid


@pytest.mark.parametrize(("model", "field", "many"), CASES, ids=[f"{m.__name__}.{f}" for m, f, _ in CASES])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=TEXT)
async def test_text_is_stored_verbatim_or_refused(
    db: AsyncSession, model: type[BaseModel], field: str, many: bool, value: str
) -> None:
    body = {**base_body(model), field: [value] if many else value}
    try:
        accepted = model.model_validate(body)
    except ValidationError:
        return  # the API answers 422 naming the field
    got = getattr(accepted, field)
    assert (got[0] if many else got) == value
    as_text = (await db.execute(text("SELECT CAST(:v AS text)"), {"v": value})).scalar_one()
    as_json = (
        await db.execute(text("SELECT CAST(:j AS jsonb) ->> 'v'"), {"j": json.dumps({"v": value}, ensure_ascii=False)})
    ).scalar_one()
    assert as_text == value
    assert as_json == value


VISIT = {"people": ["周光明"], "place": "光明区", "outcome": "有融资需求"}


@pytest.fixture(scope="module")
async def case(stack: Stack) -> str:
    return await open_case(stack)


async def post_json(stack: Stack, path: str, body: dict[str, Any]) -> Any:
    """POST as JSON with non-ASCII escaped, as many clients send it (a lone surrogate is then `\\ud800`)."""
    headers = {**stack.headers(SPECIALIST), "content-type": "application/json"}
    return await stack.client.post(path, content=json.dumps(body), headers=headers)


async def _then_a_plain_visit(stack: Stack, loan_id: str) -> None:
    response = await stack.client.post(
        f"/loans/{loan_id}/visits", json={**VISIT, "visited_on": today()}, headers=stack.headers(SPECIALIST)
    )
    assert response.status_code == 200, response.text


@pytest.mark.e2e
@pytest.mark.parametrize("field", ["people", "place", "outcome", "next_action"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=TEXT)
async def test_a_visit_over_http(stack: Stack, case: str, field: str, value: str) -> None:
    body = {**VISIT, "visited_on": today(), field: [value] if field == "people" else value}
    response = await post_json(stack, f"/loans/{case}/visits", body)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        stored = response.json()["visits"][-1][field]
        assert (stored[0] if field == "people" else stored) == value
        timeline = await stack.get(f"/loans/{case}/timeline", SPECIALIST)
        assert timeline[-1]["kind"] == "visit_logged"
    else:
        assert response.json()["errors"][0]["field"].startswith(f"body.{field}")
    await _then_a_plain_visit(stack, case)


@pytest.mark.e2e
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=TEXT)
async def test_checklist_and_qualification_notes_over_http(stack: Stack, case: str, value: str) -> None:
    read: Callable[[dict[str, Any]], str]
    for path, body, read in (
        (
            "checklist",
            {"item": "policy_briefing", "note": value},
            lambda v: next(c["note"] for c in v["checklist"] if c["item"] == "policy_briefing"),
        ),
        (
            "qualification-review",
            {
                "registered_in_district": True,
                "taxpaying_in_district": True,
                "independent_legal_person": True,
                "owns_ip": True,
                "ip_valid_and_fees_paid": True,
                "notes": value,
            },
            lambda v: v["qualification"]["notes"],
        ),
    ):
        response = await post_json(stack, f"/loans/{case}/{path}", body)
        assert response.status_code in (200, 422), response.text
        if response.status_code == 200:
            assert read(response.json()) == value
    await _then_a_plain_visit(stack, case)
