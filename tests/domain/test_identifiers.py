"""Identifiers from shared/domain.md §5, valid and invalid."""

from __future__ import annotations

import pytest

from contracts.enums import IPKind
from contracts.identifiers import (
    check_credit_code,
    check_ip_number,
    check_patent_number,
    check_software_copyright_number,
    check_trademark_number,
)


@pytest.mark.parametrize("code", ["91440300708461136T", "914403001922038216", "91440300192317458F"])
def test_real_credit_codes(code: str) -> None:
    assert check_credit_code(code.lower()) == code


@pytest.mark.parametrize(("code", "message"), [("91440300708461136X", "check character"), ("9144030070846", "18")])
def test_invalid_credit_codes(code: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_credit_code(code)


@pytest.mark.parametrize(
    ("number", "normalised"),
    [("201710601862.3", "201710601862.3"), ("ZL201811564288.X", "201811564288.X"), ("ZL95115608.X", "95115608.X")],
)
def test_valid_patents(number: str, normalised: str) -> None:
    assert check_patent_number(number) == normalised


def test_wrong_check_digit_names_the_right_one() -> None:
    with pytest.raises(ValueError, match="expected 6"):
        check_patent_number("202310123456.7")


def test_patent_kind_must_match_type_digit() -> None:
    assert check_ip_number(IPKind.INVENTION_PATENT, "201710601862.3")
    with pytest.raises(ValueError, match="外观设计专利"):
        check_ip_number(IPKind.DESIGN_PATENT, "201710601862.3")


def test_trademark_and_software_copyright() -> None:
    assert check_trademark_number("第17528858号") == "17528858"
    with pytest.raises(ValueError, match="up to 8 digits"):
        check_trademark_number("175288581")
    assert check_software_copyright_number("2019sr0322683") == "2019SR0322683"
    with pytest.raises(ValueError, match="software copyright"):
        check_software_copyright_number("2019SR03226")
