"""Value types of every request: text PostgreSQL can store, ids, money to the fen, strict flags, bounded lists.

They refuse at the API boundary, with a 422 naming the field, what must never reach a loan's workflow:
- text with NUL (PostgreSQL cannot store it: one such character once wedged a loan), other control characters
  (only line feed and tab are kept: text is shown to clerks and exported), or unpaired surrogates (not Unicode);
- ids outside `ID_PATTERN` (every id this service gives out matches it);
- money with an exponent or more than two decimals (`"1e7"`), or as a boolean; money is then held to the fen and
  always written back in one form (`"2500000.50"`);
- `"yes"` for true: flags are JSON booleans.

Values read back from Temporal's history were accepted at the boundary when they were written, perhaps under
older rules: the worker's payload converter validates them with the `TRUSTED` context, which these checks honour,
so a rule added later never stops a running loan from replaying.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

TRUSTED: Final[dict[str, bool]] = {"trusted": True}

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"
MAX_LIST = 50  # items of any list in a request (people at a visit, assets of a loan, consents, ...)

# Control characters (Unicode category Cc) but line feed and tab, and unpaired surrogates.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_MONEY = re.compile(r"^-?\d{1,13}(\.\d{1,2})?$")  # a sign is read, to be refused as "greater than 0"
_CENT = Decimal("0.01")


def _trusted(info: ValidationInfo) -> bool:
    context = info.context
    return isinstance(context, dict) and bool(context.get("trusted"))


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    code = ord(found.group())
    where = f"at position {found.start() + 1}"
    if 0xD800 <= code <= 0xDFFF:
        return f"contains an unpaired surrogate (U+{code:04X}) {where}: it is not valid Unicode text"
    return f"contains the control character U+{code:04X} {where}; text may hold line breaks and tabs, no other"


def _storable(value: str, info: ValidationInfo) -> str:
    if not _trusted(info):
        problem = text_problem(value)
        if problem is not None:
            raise PydanticCustomError("unstorable_text", problem)
    return value


def _money(value: Any, info: ValidationInfo) -> Any:
    """Money as JSON gives it: a string of digits with at most two decimals, or a number; never a boolean."""
    if _trusted(info):
        return value
    if isinstance(value, bool):
        raise PydanticCustomError("money", "an amount is a number of yuan, not true or false")
    if isinstance(value, float):
        value = repr(value)  # 0.1 stays 0.1; 1e+21 keeps its exponent and is refused below
    if isinstance(value, str):
        if not _MONEY.fullmatch(value):
            raise PydanticCustomError(
                "money",
                'an amount is written as digits with at most two decimals, e.g. "2500000.50" (no exponent, '
                "no sign, no separators)",
            )
        return Decimal(value)
    if isinstance(value, Decimal):
        try:
            if not value.is_finite() or value != value.quantize(_CENT):
                raise PydanticCustomError("money", "an amount has at most two decimals")
        except InvalidOperation as error:
            raise PydanticCustomError("money", "an amount is too large") from error
    return value


def _to_fen(value: Decimal) -> Decimal:
    return value.quantize(_CENT)


_MONEY_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "string", "pattern": r"^\d{1,13}(\.\d{1,2})?$"},
            {"type": "number", "multipleOf": 0.01},
        ],
        "description": "yuan, to the fen: digits with at most two decimals (answers always carry two)",
    }
)

# The same rule for JSON Schema readers (the OpenAPI, and the fuzzer that generates from it): no control
# characters but line feed and tab. (Unpaired surrogates cannot be written in a JSON Schema pattern.)
TEXT_PATTERN = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"


class _Storable:
    """Validates with `_storable` and documents the rule as a `pattern` in the JSON Schema."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.with_info_after_validator_function(_storable, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        json_schema = handler.resolve_ref_schema(handler(schema))
        json_schema["pattern"] = TEXT_PATTERN
        return json_schema


# Put on any other text field, with its own length: `Annotated[str, Field(max_length=500), STORABLE]`.
STORABLE = _Storable()
Text = Annotated[str, Field(min_length=1, max_length=2000), STORABLE]
ShortText = Annotated[str, Field(min_length=1, max_length=200), STORABLE]
Note = Annotated[str, Field(max_length=2000), STORABLE]
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=64, description="an id, e.g. `boc-shenzhen`")]
Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(gt=0, max_digits=15, decimal_places=2),
    AfterValidator(_to_fen),
    _MONEY_SCHEMA,
]
NonNegativeMoney = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0, max_digits=15, decimal_places=2),
    AfterValidator(_to_fen),
    _MONEY_SCHEMA,
]
Flag = Annotated[bool, Strict()]
