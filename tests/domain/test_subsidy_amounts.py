"""What a claim yields under the demo districts' policies, each figure computed by hand in its test."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from contracts.enums import IPKind, SizeClass
from contracts.subsidy_policy import InterestBase, KindTerms, PolicyTerms, SizeTerms, SubsidyKind
from services.domain.subsidy.amounts import ClaimFacts, Granted, compute
from services.domain.subsidy.materials import STANDARD_MATERIALS
from services.store.seed_policies import demo_policies

NANSHAN, FUTIAN, GUANGMING, GUANGMING_JULY = (p.terms for p in demo_policies())

FACTS = ClaimFacts(
    size=SizeClass.SMALL,
    ip_kinds=frozenset({IPKind.INVENTION_PATENT}),
    term_months=12,
    principal=Decimal("1000000.00"),
    rate_percent=Decimal("5.00"),
    lpr_percent=Decimal("3.00"),
    interest_paid=Decimal("52345.67"),
    fees={SubsidyKind.GUARANTEE_FEE: Decimal("50000.00"), SubsidyKind.VALUATION_FEE: Decimal("8000.00")},
    interest_started=True,
)


def lines(computation: object) -> dict[str, Decimal]:
    return {line.step: line.amount for line in computation.lines}  # type: ignore[attr-defined]


class TestRatios:
    def test_nanshan_pays_70_percent_of_the_interest_paid_rounded_down_to_the_fen(self) -> None:
        result = compute(NANSHAN, SubsidyKind.INTEREST, FACTS, Granted())
        assert result.eligible
        assert result.amount == Decimal("36641.96")  # 52,345.67 × 70 % = 36,641.969
        assert list(lines(result)) == ["claimed", "evidence", "base", "ratio", "cap", "result"]

    @pytest.mark.parametrize(
        ("size", "expected"),
        [
            (SizeClass.LARGE, "50000.00"),  # 100,000 × 50 %
            (SizeClass.MEDIUM, "60000.00"),
            (SizeClass.SMALL, "70000.00"),
            (SizeClass.MICRO, "70000.00"),
        ],
    )
    def test_guangming_pays_smes_more_than_large_enterprises(self, size: SizeClass, expected: str) -> None:
        facts = replace(FACTS, size=size, interest_paid=Decimal("100000.00"))
        assert compute(GUANGMING, SubsidyKind.INTEREST, facts, Granted()).amount == Decimal(expected)

    def test_guangmings_july_revision_pays_micro_enterprises_80_percent(self) -> None:
        facts = replace(FACTS, size=SizeClass.MICRO, interest_paid=Decimal("100000.00"))
        assert compute(GUANGMING_JULY, SubsidyKind.INTEREST, facts, Granted()).amount == Decimal("80000.00")


class TestBases:
    def test_futian_counts_a_guarantee_fee_at_most_4_percent_of_principal(self) -> None:
        facts = replace(FACTS, fully_repaid=True)
        result = compute(FUTIAN, SubsidyKind.GUARANTEE_FEE, facts, Granted())
        assert lines(result)["fee_cap"] == Decimal("40000.00")  # 1,000,000 × 4 % < 50,000
        assert result.amount == Decimal("20000.00")  # × 50 %

    def test_a_fee_under_the_cap_counts_whole(self) -> None:
        result = compute(FUTIAN, SubsidyKind.VALUATION_FEE, replace(FACTS, fully_repaid=True), Granted())
        assert "fee_cap" not in lines(result)
        assert result.amount == Decimal("4000.00")

    def test_a_rate_above_lpr_times_1_4_is_counted_at_that_rate(self) -> None:
        """Beijing's rule: the rate counted no higher than the LPR + 40 %: 3.00 % × 1.4 = 4.2 %, so of 50,000 paid
        at 5 % only 42,000 counts; half of it is paid."""
        policy = _with_interest(
            NANSHAN,
            base=InterestBase.RATE_CAPPED,
            rate_cap_lpr_multiple=Decimal("1.40"),
            by_size={s: SizeTerms(ratio_percent=Decimal(50), annual_cap=Decimal("300000.00")) for s in SizeClass},
        )
        result = compute(policy, SubsidyKind.INTEREST, replace(FACTS, interest_paid=Decimal("50000.00")), Granted())
        assert lines(result)["rate_cap"] == Decimal("42000.00")
        assert result.amount == Decimal("21000.00")

    def test_a_rate_cap_in_basis_points(self) -> None:
        policy = _with_interest(NANSHAN, base=InterestBase.RATE_CAPPED, rate_cap_bp=150)  # 3.00 + 1.50 = 4.5 %
        result = compute(policy, SubsidyKind.INTEREST, replace(FACTS, interest_paid=Decimal("50000.00")), Granted())
        assert lines(result)["rate_cap"] == Decimal("45000.00")
        assert result.amount == Decimal("31500.00")

    def test_only_the_ips_share_of_a_loan_with_other_collateral_counts(self) -> None:
        facts = replace(FACTS, interest_paid=Decimal("100000.00"), ip_share=Decimal("0.6"))
        result = compute(NANSHAN, SubsidyKind.INTEREST, facts, Granted())
        assert lines(result)["ip_share"] == Decimal("60000.00")
        assert result.amount == Decimal("42000.00")

    def test_a_claim_below_the_evidence_counts_what_is_claimed(self) -> None:
        result = compute(NANSHAN, SubsidyKind.INTEREST, FACTS, Granted(), claimed=Decimal("10000.00"))
        assert result.amount == Decimal("7000.00")


class TestCaps:
    def test_the_kinds_cap_counts_what_the_enterprise_got_this_year(self) -> None:
        granted = Granted(this_kind=Decimal("1480000.00"), all_kinds=Decimal("1480000.00"))
        assert compute(NANSHAN, SubsidyKind.INTEREST, FACTS, granted).amount == Decimal("20000.00")

    def test_nanshans_cap_holds_across_all_kinds(self) -> None:
        granted = Granted(this_kind=Decimal("0.00"), all_kinds=Decimal("1495000.50"))
        result = compute(NANSHAN, SubsidyKind.INTEREST, FACTS, granted)
        assert result.amount == Decimal("4999.50")
        assert "各类合计上限" in result.lines[-2].how

    def test_a_cap_reached_pays_nothing(self) -> None:
        granted = Granted(this_kind=Decimal("1500000.00"), all_kinds=Decimal("1500000.00"))
        assert compute(NANSHAN, SubsidyKind.INTEREST, FACTS, granted).amount == Decimal("0.00")


class TestRefusals:
    def test_futian_pays_interest_only_after_full_repayment(self) -> None:
        result = compute(FUTIAN, SubsidyKind.INTEREST, FACTS, Granted())
        assert result.refusals == ["the policy pays only once the loan is repaid in full"]
        assert result.amount == Decimal("0.00")

    def test_futian_covers_patents_only_and_loans_of_a_year(self) -> None:
        facts = replace(
            FACTS, fully_repaid=True, term_months=24, ip_kinds=frozenset({IPKind.TRADEMARK, IPKind.UTILITY_MODEL})
        )
        assert compute(FUTIAN, SubsidyKind.INTEREST, facts, Granted()).refusals == [
            "the policy does not cover the pledged IP kind trademark",
            "the loan's term of 24 months is over the policy's 12",
        ]

    def test_a_kind_the_policy_does_not_offer(self) -> None:
        refused = compute(FUTIAN, SubsidyKind.INSURANCE_PREMIUM, FACTS, Granted()).refusals
        assert refused == ["this policy does not support 保险费资助 (insurance_premium)"]

    def test_no_interest_paid_yet(self) -> None:
        facts = replace(FACTS, interest_started=False, interest_paid=Decimal("0.00"))
        assert "先付后贴" in compute(NANSHAN, SubsidyKind.INTEREST, facts, Granted()).refusals[0]

    def test_a_claim_above_the_evidence(self) -> None:
        result = compute(NANSHAN, SubsidyKind.INTEREST, FACTS, Granted(), claimed=Decimal("60000.00"))
        assert result.refusals == ["the amount claimed, ¥60,000.00, is above the evidence, ¥52,345.67"]

    def test_stacking_and_first_pledge(self) -> None:
        policy = _with_interest(NANSHAN, first_pledge_only=True)
        facts = replace(FACTS, first_pledge=False, other_subsidy=True)
        assert compute(policy, SubsidyKind.INTEREST, facts, Granted()).refusals == [
            "the policy pays only for IP pledged for the first time",
            "another subsidy already covers this cost, and the policy does not stack",
        ]


def _with_interest(policy: PolicyTerms, **changes: object) -> PolicyTerms:
    interest = policy.kinds[SubsidyKind.INTEREST].model_dump() | changes
    kinds = {**policy.kinds, SubsidyKind.INTEREST: KindTerms.model_validate(interest)}
    return policy.model_copy(update={"kinds": kinds})


def test_every_kind_has_the_guidelines_materials() -> None:
    assert {m.name for m in STANDARD_MATERIALS[SubsidyKind.INTEREST]} == {
        "申请书",
        "营业执照",
        "纳税证明",
        "贷款合同",
        "放款凭证",
        "贷款付息凭证",
        "质押合同",
        "知识产权质押证明（质权登记证书或质押登记通知书）",
    }
    assert set(STANDARD_MATERIALS) == set(SubsidyKind)
