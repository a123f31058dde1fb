"""What a subsidy claim yields under a policy version: the eligibility conditions and the amount, line by line.

Pure and exact: Decimal yuan, and one rounding only — down to the fen, where the ratio is applied — so that a
subsidy never pays a fen more than the policy allows. Every line says what it did, so a reviewer (and the
enterprise, in the calculator) can follow the amount from the claim to the result. Eligibility beyond the policy's
own conditions is not asked (guideline §二(二): registered and taxpaying in the district, independent legal person,
no other entry conditions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from contracts.enums import IPKind, SizeClass
from contracts.subsidy_policy import InterestBase, KindTerms, PolicyTerms, RepaymentCondition, SubsidyKind
from services.domain.money import FEN, format_yuan

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ClaimFacts:
    """What pledgeflow holds (or the claim states) about the loan and the enterprise behind one claim."""

    size: SizeClass
    ip_kinds: frozenset[IPKind]
    term_months: int
    principal: Decimal
    rate_percent: Decimal
    lpr_percent: Decimal
    interest_paid: Decimal  # in the period claimed, from the recorded repayments
    fees: dict[SubsidyKind, Decimal] = field(default_factory=dict)  # fees paid, per fee kind
    interest_started: bool = False
    fully_repaid: bool = False
    ip_share: Decimal = Decimal(1)  # the IP's share of the loan when it has other collateral too
    first_pledge: bool = True
    other_subsidy: bool = False  # another subsidy already covers this cost


@dataclass(frozen=True)
class Granted:
    """What the enterprise has been granted already this year under the policy: of this kind, and of all kinds."""

    this_kind: Decimal = ZERO
    all_kinds: Decimal = ZERO


@dataclass(frozen=True)
class Line:
    """One line of the computation: which step (a code of STEPS), the amount after it, and how it was reached (in
    Chinese: the district's reviewers and the enterprise read it)."""

    step: str
    amount: Decimal
    how: str


# The steps of a computation, in order, with their Chinese names (lines of the steps that did not apply are left out).
STEPS = {
    "claimed": "申报金额",
    "evidence": "凭证金额",
    "base": "可认定基数",
    "rate_cap": "利率上限",
    "fee_cap": "费用上限",
    "ip_share": "知识产权占比",
    "ratio": "资助比例",
    "cap": "年度上限",
    "result": "资助金额",
}


@dataclass(frozen=True)
class Computation:
    kind: SubsidyKind
    lines: list[Line]
    amount: Decimal
    refusals: list[str]  # why the claim is not eligible, in English for the API's problem messages

    @property
    def eligible(self) -> bool:
        return not self.refusals


def evidence_of(kind: SubsidyKind, facts: ClaimFacts) -> Decimal:
    """The cost pledgeflow can prove for `kind`: the interest paid, or the fee recorded."""
    return facts.interest_paid if kind is SubsidyKind.INTEREST else facts.fees.get(kind, ZERO)


def refusals(policy: PolicyTerms, kind: SubsidyKind, facts: ClaimFacts) -> list[str]:
    """Each of the policy's conditions the claim does not meet, in a sentence."""
    terms = policy.kinds.get(kind)
    if terms is None:
        return [f"this policy does not support {kind.label} ({kind.value})"]
    if not kind.for_a_loan:  # services/domain/subsidy/institution computes those
        return [f"{kind.label} is not claimed against a loan"]
    found = []
    if facts.size not in terms.by_size:
        found.append(f"{kind.label} is not offered to {facts.size.value} enterprises under this policy")
    uncovered = sorted(k.value for k in facts.ip_kinds - set(terms.ip_kinds))
    if uncovered:
        found.append(f"the policy does not cover the pledged IP kind {', '.join(uncovered)}")
    if terms.max_term_months is not None and facts.term_months > terms.max_term_months:
        found.append(f"the loan's term of {facts.term_months} months is over the policy's {terms.max_term_months}")
    if terms.repayment is RepaymentCondition.FULLY_REPAID and not facts.fully_repaid:
        found.append("the policy pays only once the loan is repaid in full")
    if terms.repayment is RepaymentCondition.INTEREST_STARTED and not facts.interest_started:
        found.append("the policy pays only once interest has been paid (先付后贴): no interest payment is recorded")
    if terms.first_pledge_only and not facts.first_pledge:
        found.append("the policy pays only for IP pledged for the first time")
    if terms.no_stacking and facts.other_subsidy:
        found.append("another subsidy already covers this cost, and the policy does not stack")
    return found


def compute(
    policy: PolicyTerms, kind: SubsidyKind, facts: ClaimFacts, granted: Granted, claimed: Decimal | None = None
) -> Computation:
    """The claim's amount under `policy`, line by line; `claimed` defaults to the evidence (the calculator)."""
    refused = refusals(policy, kind, facts)
    evidence = evidence_of(kind, facts)
    claimed = evidence if claimed is None else claimed
    if claimed > evidence:
        refused.append(f"the amount claimed, {format_yuan(claimed)}, is above the evidence, {format_yuan(evidence)}")
    terms = policy.kinds.get(kind)
    size = terms.by_size.get(facts.size) if terms is not None else None
    lines = [
        Line("claimed", claimed, "所申报的费用"),
        Line("evidence", evidence, "平台记录的已付利息" if kind is SubsidyKind.INTEREST else "平台记录的费用"),
    ]
    base = min(claimed, evidence)
    lines.append(Line("base", base, "申报金额与凭证金额取低者"))
    if terms is None or size is None:
        return Computation(kind, lines, ZERO, refused)
    base = _capped_base(terms, kind, facts, base, lines)
    subsidy = (base * size.ratio_percent / HUNDRED).quantize(FEN, rounding=ROUND_DOWN)
    lines.append(Line("ratio", subsidy, f"基数 × {size.ratio_percent}%（向下取整到分）"))
    amount = within_caps(policy, facts.size, size.annual_cap, granted, subsidy, lines)
    lines.append(Line("result", amount if not refused else ZERO, "不符合条件，不予资助" if refused else "结果"))
    return Computation(kind, lines, amount if not refused else ZERO, refused)


def _capped_base(terms: KindTerms, kind: SubsidyKind, facts: ClaimFacts, base: Decimal, lines: list[Line]) -> Decimal:
    if kind is SubsidyKind.INTEREST and terms.base is InterestBase.RATE_CAPPED:
        if terms.rate_cap_bp is not None:
            ceiling, named = facts.lpr_percent + Decimal(terms.rate_cap_bp) / HUNDRED, f"LPR+{terms.rate_cap_bp}bp"
        else:
            multiple = terms.rate_cap_lpr_multiple or Decimal(1)
            ceiling, named = facts.lpr_percent * multiple, f"LPR×{multiple}"
        if facts.rate_percent > ceiling:
            base = base * ceiling / facts.rate_percent
            how = f"利率 {facts.rate_percent}% 按不超过 {named}（{ceiling.normalize()}%）计"
            lines.append(Line("rate_cap", base.quantize(FEN, ROUND_DOWN), how))
    if kind.is_fee and terms.fee_cap_percent is not None:
        ceiling = facts.principal * terms.fee_cap_percent / HUNDRED
        if base > ceiling:
            base = ceiling
            lines.append(Line("fee_cap", base, f"费用按不超过本金的 {terms.fee_cap_percent}% 计"))
    if terms.ip_share_only and facts.ip_share < 1:
        base = base * facts.ip_share
        how = f"仅计知识产权担保部分（{facts.ip_share:.2%}）"
        lines.append(Line("ip_share", base.quantize(FEN, ROUND_DOWN), how))
    return base


def within_caps(
    policy: PolicyTerms, size: SizeClass, kind_cap: Decimal, granted: Granted, subsidy: Decimal, lines: list[Line]
) -> Decimal:
    room = max(ZERO, kind_cap - granted.this_kind)
    how = f"本类每企业每年上限 {format_yuan(kind_cap)}，本年已获 {format_yuan(granted.this_kind)}"
    overall = policy.enterprise_annual_cap.get(size)
    if overall is not None:
        room = min(room, max(ZERO, overall - granted.all_kinds))
        how += f"；各类合计上限 {format_yuan(overall)}，本年已获 {format_yuan(granted.all_kinds)}"
    amount = min(subsidy, room)
    lines.append(Line("cap", amount, how))
    return amount
