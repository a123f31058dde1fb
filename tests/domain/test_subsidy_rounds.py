"""A round's pro-rata cut and the end of its public notice."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from services.domain.subsidy.rounds import cut_pro_rata, notice_ends


class TestProRata:
    def test_the_cut_sums_to_the_budget_to_the_fen(self) -> None:
        approved = {"a": Decimal("100.00"), "b": Decimal("200.00"), "c": Decimal("300.00")}
        # 16.666…, 33.333…, 50.00 rounded down leave one fen: it goes to the largest remainder, a's
        assert cut_pro_rata(approved, Decimal("100.00")) == {
            "a": Decimal("16.67"),
            "b": Decimal("33.33"),
            "c": Decimal("50.00"),
        }

    def test_a_budget_that_covers_every_claim_cuts_nothing(self) -> None:
        approved = {"a": Decimal("100.00"), "b": Decimal("0.01")}
        assert cut_pro_rata(approved, Decimal("100.01")) == approved

    def test_many_claims_sum_exactly_and_none_gets_more_than_approved(self) -> None:
        draw = random.Random(20261130)
        for _ in range(200):
            approved = {f"c{i:04d}": Decimal(draw.randint(1, 200_000_000)) / 100 for i in range(draw.randint(1, 60))}
            total = sum(approved.values())
            budget = (total * Decimal(draw.uniform(0.05, 0.99))).quantize(Decimal("0.01"))
            cut = cut_pro_rata(approved, budget)
            assert sum(cut.values()) == budget
            assert all(Decimal(0) <= cut[c] <= approved[c] for c in approved)

    def test_ties_go_to_the_smaller_id_so_every_run_cuts_the_same(self) -> None:
        approved = {"b": Decimal("1.00"), "a": Decimal("1.00"), "c": Decimal("1.00")}
        assert cut_pro_rata(approved, Decimal("2.00")) == {
            "a": Decimal("0.67"),
            "b": Decimal("0.67"),
            "c": Decimal("0.66"),
        }


class TestNotice:
    def test_seven_working_days_across_national_day_with_its_make_up_saturday(self) -> None:
        # 9-30 (1), 10-01…10-07 holiday, 10-08 (2), 10-09 (3), Saturday 10-10 worked (4), 10-12…10-14 (5–7)
        ends = notice_ends(date(2026, 9, 30), 7)
        assert (ends.day, ends.provisional) == (date(2026, 10, 14), False)

    def test_across_the_spring_festival(self) -> None:
        # 2-13 (1), Saturday 2-14 worked (2), 2-15…2-23 holiday, 2-24…2-27 (3–6), Saturday 2-28 worked (7)
        assert notice_ends(date(2026, 2, 13), 7).day == date(2026, 2, 28)

    def test_published_on_a_holiday_the_count_starts_after_it(self) -> None:
        assert notice_ends(date(2026, 10, 3), 7).day == date(2026, 10, 15)


def test_the_next_quarter_end() -> None:
    from services.domain.subsidy.claim_rules import next_quarter_end

    assert next_quarter_end(date(2026, 11, 30)) == date(2027, 3, 31)
    assert next_quarter_end(date(2026, 1, 1)) == date(2026, 6, 30)
    assert next_quarter_end(date(2026, 9, 30)) == date(2026, 12, 31)
