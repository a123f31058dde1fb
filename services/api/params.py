"""Path and query parameters every router shares: ids in the path or a filter, and opaque page cursors.

An id outside `contracts.types.ID_PATTERN` (a NUL, a slash, 5 KB of text) is a 422 before any query runs. A
cursor is opaque: a list gives one out as `next_cursor` and takes back only what it gave out; anything else is a
422 `bad-cursor` ("start from the first page"), never a silent first page.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated

from fastapi import Path, Query

from contracts.types import ID_PATTERN
from services.api.errors import Unprocessable


class BadCursor(Unprocessable):
    type_slug = "bad-cursor"
    title = "The cursor is not one this API gave out"

    def __init__(self) -> None:
        super().__init__("The cursor is not one this list gave out; start again from the first page (no cursor).")


_CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,400}$"
_VERSION = "c1"

IdPath = Annotated[str, Path(pattern=ID_PATTERN, max_length=64, description="an id, e.g. `boc-shenzhen`")]
IdFilter = Annotated[str | None, Query(pattern=ID_PATTERN, max_length=64)]
CursorQuery = Annotated[
    str | None,
    Query(pattern=_CURSOR_PATTERN, max_length=400, description="`next_cursor` of the previous page."),
]


def make_cursor(*parts: str) -> str:
    """An opaque cursor holding `parts` (the keys of the last item of a page)."""
    raw = json.dumps([_VERSION, *parts], separators=(",", ":"), ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor: str | None, arity: int) -> list[str] | None:
    """The `arity` parts of a cursor made by `make_cursor`; None for no cursor; BadCursor for anything else."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise BadCursor() from error
    if (
        not isinstance(parts, list)
        or len(parts) != arity + 1
        or parts[0] != _VERSION
        or not all(isinstance(part, str) for part in parts[1:])
    ):
        raise BadCursor()
    return [str(part) for part in parts[1:]]
