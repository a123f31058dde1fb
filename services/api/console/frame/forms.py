"""A step's form, made from the same request model as the API's JSON body (contracts/loan_steps), so the console
asks for exactly what the API does and answers with the same validation messages.

Each field of the model becomes an input by its type: a date picker, a number for money, a select for an
enumeration, a checkbox for a yes/no, a text box (a text area for long text); a list of short texts is typed one
per line. The form's values come back as the model's JSON fields and are validated by the model itself."""

from __future__ import annotations

import types
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from services.api.errors import ApiError, field_message

LONG_TEXT = 500  # a text longer than this may be is a text area

T = TypeVar("T")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Input:
    name: str
    kind: str  # date | money | number | select | multi | per_choice | checkbox | text | textarea | lines
    required: bool
    choices: tuple[Choice, ...] = ()
    max_length: int | None = None


class Unsupported(Exception):
    """A field the console cannot ask for yet (a nested structure): the step is taken through the API."""


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `| None`, and whether None was allowed."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _bare(annotation: Any) -> Any:
    """`Annotated[str, ...]` → str."""
    return annotation.__origin__ if hasattr(annotation, "__metadata__") else annotation


def _max_length(field: FieldInfo) -> int | None:
    for meta in field.metadata:
        length = getattr(meta, "max_length", None)
        if length is not None:
            return int(length)
    return None


SIMPLE_KINDS: dict[Any, str] = {date: "date", Decimal: "money", bool: "checkbox", int: "number"}


def _kind(annotation: Any, field: FieldInfo) -> tuple[str, tuple[Choice, ...]]:
    annotation = _bare(annotation)
    if annotation in SIMPLE_KINDS:
        return SIMPLE_KINDS[annotation], ()
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "select", _choices(annotation)
    if annotation is str:
        length = _max_length(field) or _inner_max_length(field)
        return ("textarea" if length is not None and length > LONG_TEXT else "text"), ()
    if typing.get_origin(annotation) is list:
        return _list_kind(_bare(typing.get_args(annotation)[0]))
    if typing.get_origin(annotation) is dict:  # a figure per value of an enumeration (a product's pledge rates)
        key, value = (_bare(a) for a in typing.get_args(annotation))
        if isinstance(key, type) and issubclass(key, Enum) and value is Decimal:
            return "per_choice", _choices(key)
    raise Unsupported(str(annotation))


def _inner_max_length(field: FieldInfo) -> int | None:
    """`Text | None`: the bounds sit on the Annotated member of the union."""
    inner = typing.get_args(_unwrap(field.annotation)[0])[1:]
    return next(
        (int(m.max_length) for f in inner for m in getattr(f, "metadata", []) if hasattr(m, "max_length")), None
    )


def _choices(enum: type[Enum]) -> tuple[Choice, ...]:
    return tuple(Choice(m.value, str(getattr(m, "label", m.value))) for m in enum)


def _list_kind(item: Any) -> tuple[str, tuple[Choice, ...]]:
    """A list of short texts is typed one per line; a list of an enumeration's values is a set of checkboxes."""
    if item is str:
        return "lines", ()
    if isinstance(item, type) and issubclass(item, Enum):
        return "multi", _choices(item)
    raise Unsupported(f"list[{item}]")


def inputs_of(model: type[BaseModel]) -> list[Input]:
    found = []
    for name, field in model.model_fields.items():
        annotation, optional = _unwrap(field.annotation)
        kind, choices = _kind(annotation, field)
        found.append(Input(name, kind, field.is_required() and not optional, choices, _max_length(field)))
    return found


def values_of(fields: list[Input], form: dict[str, list[str]]) -> dict[str, Any]:
    """The form's `fields` (as drawn) as the model's JSON: blanks are left out (the model says if they were
    needed)."""
    values: dict[str, Any] = {}
    for field in fields:
        given = form.get(field.name, [])
        raw = given[0] if given else ""
        if field.kind == "checkbox":
            values[field.name] = raw == "on"
        elif field.kind == "multi":
            values[field.name] = [v for v in given if v]
        elif field.kind == "per_choice":
            figures = {c.value: (form.get(f"{field.name}.{c.value}") or [""])[0].strip() for c in field.choices}
            values[field.name] = {choice: figure for choice, figure in figures.items() if figure}
        elif field.kind == "lines":
            lines = [line.strip() for line in raw.splitlines() if line.strip()]
            if lines:
                values[field.name] = lines
        elif raw.strip():
            values[field.name] = raw.strip()
    return values


def problems_of(error: ValidationError) -> dict[str, str]:
    """field → the API's message for it (the same words as a 422 problem's `errors`)."""
    problems: dict[str, str] = {}
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else ""
        problems.setdefault(name, field_message(dict(item)))
    return problems


def first_problem(error: ValidationError) -> str:
    """The first thing wrong with a form, in the API's words: "field — message"."""
    name, message = next(iter(problems_of(error).items()))
    return f"{name} — {message}" if name else message


def form_text(form: FormData, name: str) -> str | None:
    """A posted form's text field, trimmed; None when absent or blank."""
    value = form.get(name)
    return (value.strip() or None) if isinstance(value, str) else None


def form_lines(form: FormData, name: str) -> list[str]:
    """A posted textarea of one item per line, the blank lines left out."""
    return [line.strip() for line in (form_text(form, name) or "").splitlines() if line.strip()]


@dataclass(frozen=True)
class Refusal:
    """Why a form's action was refused (in the API's words) and the status the page answers with."""

    detail: str
    status: int


async def attempt(session: AsyncSession, act: Callable[[], Awaitable[T]]) -> T | Refusal:
    """A form's action through the API's service: what it answered, or its refusal — the form's content refused
    (422, its first problem) or the service's (its status), the session rolled back so the page can be read again."""
    try:
        return await act()
    except ValidationError as error:
        await session.rollback()
        return Refusal(first_problem(error), 422)
    except ApiError as refused:
        await session.rollback()
        return Refusal(refused.detail, refused.status)
