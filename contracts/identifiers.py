"""Validation of the identifiers pledgeflow receives: credit codes, patent, trademark and copyright numbers.

Each `check_*` function returns the normalised form or raises `ValueError` with a message a clerk can act on.
"""

from __future__ import annotations

import re

from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from contracts.enums import IPKind

_PATENT_WEIGHTS_2003 = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_PATENT_WEIGHTS_OLD = (2, 3, 4, 5, 6, 7, 8, 9)
_PATENT_TYPE_DIGIT: dict[str, tuple[IPKind, ...]] = {
    "1": (IPKind.INVENTION_PATENT,),
    "2": (IPKind.UTILITY_MODEL,),
    "3": (IPKind.DESIGN_PATENT,),
    "8": (IPKind.INVENTION_PATENT,),  # PCT national phase, invention
    "9": (IPKind.UTILITY_MODEL,),  # PCT national phase, utility model
}


def check_credit_code(value: str) -> str:
    """A unified social credit code (统一社会信用代码, GB 32100-2015), mod-31 check character included."""
    code = value.strip().upper()
    try:
        return str(uscc.validate(code))
    except InvalidLength as exc:
        raise ValueError(f"a unified social credit code has 18 characters; {code!r} has {len(code)}") from exc
    except InvalidChecksum as exc:
        raise ValueError(f"{code!r} is not a valid unified social credit code: its check character is wrong") from exc
    except (InvalidFormat, InvalidComponent, ValidationError) as exc:
        raise ValueError(f"{code!r} is not a valid unified social credit code") from exc


def patent_check_digit(digits: str) -> str:
    """The check character of a patent application number: Σ digit × weight mod 11, 10 written X."""
    weights = _PATENT_WEIGHTS_2003 if len(digits) == 12 else _PATENT_WEIGHTS_OLD
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if total == 10 else str(total)


def check_patent_number(value: str, kind: IPKind | None = None) -> str:
    """A patent number (ZL + application number): `YYYYTNNNNNNN.C` since 2003, 8 digits + check before.

    Returns the normalised application number (`201710601862.3`); with `kind`, the type digit must agree.
    """
    text = re.sub(r"[\s]", "", value.upper()).removeprefix("ZL")
    match = re.fullmatch(r"(\d{12}|\d{8})\.?([0-9X])", text)
    if match is None:
        raise ValueError(
            f"{value!r} is not a patent number: expected ZL + 12 digits, a dot and a check digit, e.g. ZL201710601862.3"
        )
    digits, check = match.groups()
    expected = patent_check_digit(digits)
    if check != expected:
        raise ValueError(f"patent number {value!r} has a wrong check digit: {check}, expected {expected}")
    if kind is not None and len(digits) == 12:
        type_digit = digits[4]
        allowed = _PATENT_TYPE_DIGIT.get(type_digit)
        if allowed is None or kind not in allowed:
            raise ValueError(f"patent number {value!r} (type digit {type_digit}) is not a {kind.label}")
    return f"{digits}.{check}"


def check_trademark_number(value: str) -> str:
    """A trademark registration number: digits only, up to 8 (第17528858号 is accepted as 17528858)."""
    text = value.strip().removeprefix("第").removesuffix("号").strip()
    if not re.fullmatch(r"\d{1,8}", text):
        raise ValueError(f"{value!r} is not a trademark registration number: expected up to 8 digits")
    return text


def check_software_copyright_number(value: str) -> str:
    """A software copyright registration number: year + SR + 6 or 7 digits (2019SR0322683)."""
    text = value.strip().upper()
    if not re.fullmatch(r"(19|20)\d{2}SR\d{6,7}", text):
        raise ValueError(f"{value!r} is not a software copyright number: expected e.g. 2019SR0322683")
    return text


def check_copyright_number(value: str) -> str:
    """A works copyright registration number (e.g. 国作登字-2019-F-00812345): free text, trimmed."""
    text = value.strip()
    if not 4 <= len(text) <= 64:
        raise ValueError("a copyright registration number has 4 to 64 characters")
    return text


def check_ip_number(kind: IPKind, value: str) -> str:
    """Validate and normalise the number of an IP asset of the given kind."""
    if kind.is_patent:
        return check_patent_number(value, kind)
    if kind is IPKind.TRADEMARK:
        return check_trademark_number(value)
    if kind is IPKind.SOFTWARE_COPYRIGHT:
        return check_software_copyright_number(value)
    return check_copyright_number(value)
