"""What the support not tied to one loan yields: a bank's, from the IP pledge loans it made in the district (each
counted for its IP share, the loans the policy does not cover left out), and a securitisation's, from the amount
its vouchers show — each figure computed by hand; and the policy terms each kind needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from contracts.enums import IPKind, SizeClass
from contracts.subsidy_policy import KindTerms, PolicyTerms, SizeTerms, SubsidyKind
from services.domain.subsidy.amounts import Granted, compute
from services.domain.subsidy.institution import BankLoan, compute_bank, compute_securitisation
from services.store.seed_policies import demo_policies
from tests.domain.test_subsidy_amounts import FACTS

NANSHAN = demo_policies()[0].terms
BANK = SubsidyKind.BANK_INSTITUTION

PATENT = BankLoan(
    loan_id="loan-a",
    disbursed_on=date(2026, 3, 2),
    principal=Decimal("3000000.00"),
    ip_kinds=frozenset({IPKind.INVENTION_PATENT}),
    term_months=12,
)


def lines(computation: object) -> dict[str, Decimal]:
    return {line.step: line.amount for line in computation.lines}  # type: ignore[attr-defined]


def policy_with(**bank: object) -> PolicyTerms:
    terms = NANSHAN.kinds[BANK].model_copy(update=bank)
    return NANSHAN.model_copy(update={"kinds": NANSHAN.kinds | {BANK: terms}})


class TestTheBanksSupport:
    def test_one_percent_of_the_principal_rounded_down_to_the_fen(self) -> None:
        second = replace(PATENT, loan_id="loan-b", principal=Decimal("1234567.89"))
        result = compute_bank(NANSHAN, [PATENT, second], Decimal("0.00"))
        assert result.eligible
        assert lines(result)["evidence"] == Decimal("4234567.89")
        assert result.amount == Decimal("42345.67")  # 4,234,567.89 × 1 % = 42,345.6789
        assert list(lines(result)) == ["claimed", "evidence", "base", "ratio", "cap", "result"]

    def test_a_loan_the_policy_does_not_cover_is_left_out_and_said_so(self) -> None:
        trademark = replace(PATENT, loan_id="loan-tm", ip_kinds=frozenset({IPKind.TRADEMARK}))
        long = replace(PATENT, loan_id="loan-long", term_months=36)
        policy = policy_with(ip_kinds=[IPKind.INVENTION_PATENT], max_term_months=24)
        result = compute_bank(policy, [PATENT, trademark, long], Decimal("0.00"))
        assert lines(result)["evidence"] == Decimal("3000000.00")
        assert "另有 2 笔不在政策范围内" in result.lines[1].how

    def test_only_the_ip_share_of_a_loan_with_other_collateral_counts(self) -> None:
        shared = replace(PATENT, ip_share=Decimal("0.4"))
        assert compute_bank(NANSHAN, [shared], Decimal("0.00")).amount == Decimal("12000.00")  # 1.2 M × 1 %
        whole = policy_with(ip_share_only=False)
        assert compute_bank(whole, [shared], Decimal("0.00")).amount == Decimal("30000.00")

    def test_capped_per_bank_per_year_with_what_it_was_granted(self) -> None:
        big = replace(PATENT, principal=Decimal("200000000.00"))  # 1 % is 2 M, over the 1 M cap
        assert compute_bank(NANSHAN, [big], Decimal("0.00")).amount == Decimal("1000000.00")
        assert compute_bank(NANSHAN, [big], Decimal("999000.00")).amount == Decimal("1000.00")

    def test_refused_with_no_loan_or_above_the_evidence(self) -> None:
        nothing = compute_bank(NANSHAN, [], Decimal("0.00"))
        assert (nothing.eligible, nothing.amount) == (False, Decimal("0.00"))
        assert "no IP pledge loan" in nothing.refusals[0]
        above = compute_bank(NANSHAN, [PATENT], Decimal("0.00"), Decimal("3000000.01"))
        assert "above the evidence" in above.refusals[0]

    def test_a_loans_calculator_refuses_it(self) -> None:
        assert compute(NANSHAN, BANK, FACTS, Granted()).refusals == ["银行金融机构资助 is not claimed against a loan"]


class TestSecuritisation:
    def test_half_of_what_the_vouchers_show_within_the_enterprises_caps(self) -> None:
        result = compute_securitisation(NANSHAN, SizeClass.SMALL, Granted(), Decimal("123456.79"))
        assert result.amount == Decimal("61728.39")  # 123,456.79 × 50 % = 61,728.395
        across = Granted(this_kind=Decimal("0.00"), all_kinds=Decimal("1480000.00"))  # 南山: ¥1.5 M across kinds
        assert compute_securitisation(NANSHAN, SizeClass.SMALL, across, Decimal("123456.79")).amount == Decimal(
            "20000.00"
        )

    def test_refused_when_another_subsidy_covers_it_or_the_size_is_not_offered(self) -> None:
        stacked = compute_securitisation(NANSHAN, SizeClass.SMALL, Granted(), Decimal("1000.00"), other_subsidy=True)
        assert (stacked.amount, "does not stack" in stacked.refusals[0]) == (Decimal("0.00"), True)
        smes = NANSHAN.kinds[SubsidyKind.SECURITISATION].model_copy(
            update={"by_size": {SizeClass.SMALL: SizeTerms(ratio_percent=Decimal(50), annual_cap=Decimal(1000))}}
        )
        policy = NANSHAN.model_copy(update={"kinds": {SubsidyKind.SECURITISATION: smes}})
        large = compute_securitisation(policy, SizeClass.LARGE, Granted(), Decimal("1000.00"))
        assert "not offered to large" in large.refusals[0]


class TestTermsEachKindNeeds:
    @pytest.mark.parametrize(
        ("kind", "change", "said"),
        [
            (BANK, {"institution": None}, "claimed by banks"),
            (BANK, {"by_size": {SizeClass.SMALL: {"ratio_percent": "1", "annual_cap": "1.00"}}}, "claimed by banks"),
            (SubsidyKind.INTEREST, {"by_size": {}}, "claimed by enterprises"),
            (SubsidyKind.INTEREST, {"institution": {"ratio_percent": "1", "annual_cap": "1.00"}}, "by enterprises"),
        ],
    )
    def test_a_bank_kind_takes_institution_terms_and_the_others_terms_by_size(
        self, kind: SubsidyKind, change: dict[str, object], said: str
    ) -> None:
        raw = NANSHAN.model_dump(mode="json")
        raw["kinds"][kind.value] |= change
        with pytest.raises(ValidationError, match=said):
            PolicyTerms.model_validate(raw)
        assert KindTerms.model_validate(raw["kinds"][kind.value])  # each kind's terms alone are well formed
