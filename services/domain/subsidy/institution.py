"""What the two kinds of support not tied to one loan yield (domain.md §3): a bank's support for the IP pledge
loans it made in the district (银行金融机构资助), and an enterprise's support for the costs of an IP securitisation
(知识产权证券化资助). Pure and exact, line by line, rounded once down to the fen — as services/domain/subsidy/amounts.

- **Bank institution**: a share (`KindTerms.institution`) of the principal of the bank's IP pledge loans disbursed in
  the district during the period, as pledgeflow holds them, each counted for the IP's share of the loan; a loan the
  policy does not cover (IP kind, term, first pledge) is left out and said so; capped per bank per year.
- **Securitisation**: a share, by the enterprise's size class, of the interest and guarantee fees it paid as its
  vouchers and invoices show (pledgeflow holds none of it: the reviewer checks the amount against the uploaded
  evidence and proposes a lower one where it falls short); capped per enterprise per year, across kinds too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from contracts.enums import IPKind, SizeClass
from contracts.subsidy_policy import KindTerms, PolicyTerms, SubsidyKind
from services.domain.money import FEN, format_yuan
from services.domain.subsidy.amounts import HUNDRED, ZERO, Computation, Granted, Line, within_caps


@dataclass(frozen=True)
class BankLoan:
    """One IP pledge loan a bank disbursed, as pledgeflow holds it."""

    loan_id: str
    disbursed_on: date
    principal: Decimal
    ip_kinds: frozenset[IPKind]
    term_months: int
    first_pledge: bool = True
    ip_share: Decimal = Decimal(1)


def left_out(terms: KindTerms, loan: BankLoan) -> str | None:
    """Why the policy does not count `loan` (None: it counts)."""
    uncovered = sorted(k.value for k in loan.ip_kinds - set(terms.ip_kinds))
    if uncovered:
        return f"{loan.loan_id}: the policy does not cover {', '.join(uncovered)}"
    if terms.max_term_months is not None and loan.term_months > terms.max_term_months:
        return f"{loan.loan_id}: a term of {loan.term_months} months is over the policy's {terms.max_term_months}"
    if terms.first_pledge_only and not loan.first_pledge:
        return f"{loan.loan_id}: its IP was pledged before"
    return None


def bank_evidence(terms: KindTerms, loans: Sequence[BankLoan]) -> tuple[Decimal, list[BankLoan], list[str]]:
    """The principal the policy counts (each loan for its IP share, when the policy says so), the loans counted,
    and why the others were left out."""
    counted, reasons = [], []
    for loan in loans:
        why = left_out(terms, loan)
        if why is None:
            counted.append(loan)
        else:
            reasons.append(why)
    total = sum((loan.principal * (loan.ip_share if terms.ip_share_only else 1) for loan in counted), ZERO)
    return total.quantize(FEN, ROUND_DOWN), counted, reasons


def compute_bank(
    policy: PolicyTerms, loans: Sequence[BankLoan], granted: Decimal, claimed: Decimal | None = None
) -> Computation:
    """A bank's support for `loans` (its IP pledge loans disbursed in the district during the period); `granted`:
    what the bank has been granted of this kind this year already; `claimed` defaults to the evidence."""
    kind = SubsidyKind.BANK_INSTITUTION
    terms = policy.kinds.get(kind)
    if terms is None or terms.institution is None:
        return Computation(kind, [], ZERO, [f"this policy does not support {kind.label} ({kind.value})"])
    evidence, counted, reasons = bank_evidence(terms, loans)
    claimed = evidence if claimed is None else claimed
    refused = []
    if not counted:
        refused.append(
            "pledgeflow holds no IP pledge loan of the bank in the district and period that the policy covers"
        )
    if claimed > evidence:
        refused.append(f"the amount claimed, {format_yuan(claimed)}, is above the evidence, {format_yuan(evidence)}")
    how = f"平台记录的本行在本区发放的知识产权质押贷款 {len(counted)} 笔"
    if reasons:
        how += f"（另有 {len(reasons)} 笔不在政策范围内，未计）"
    lines = [Line("claimed", claimed, "所申报的贷款金额"), Line("evidence", evidence, how)]
    base = min(claimed, evidence)
    lines.append(Line("base", base, "申报金额与平台记录取低者"))
    share = terms.institution
    subsidy = (base * share.ratio_percent / HUNDRED).quantize(FEN, rounding=ROUND_DOWN)
    lines.append(Line("ratio", subsidy, f"基数 × {share.ratio_percent}%（向下取整到分）"))
    amount = min(subsidy, max(ZERO, share.annual_cap - granted))
    lines.append(
        Line("cap", amount, f"每家银行每年上限 {format_yuan(share.annual_cap)}，本年已获 {format_yuan(granted)}")
    )
    amount = amount if not refused else ZERO
    lines.append(Line("result", amount, "不符合条件，不予资助" if refused else "结果"))
    return Computation(kind, lines, amount, refused)


def compute_securitisation(
    policy: PolicyTerms, size: SizeClass, granted: Granted, claimed: Decimal, *, other_subsidy: bool = False
) -> Computation:
    """An enterprise's support for the interest and guarantee fees of its securitisation financing, `claimed` as its
    vouchers show; `granted`: what it has been granted this year already (of this kind, of all kinds)."""
    kind = SubsidyKind.SECURITISATION
    terms = policy.kinds.get(kind)
    if terms is None:
        return Computation(kind, [], ZERO, [f"this policy does not support {kind.label} ({kind.value})"])
    refused = []
    size_terms = terms.by_size.get(size)
    if size_terms is None:
        refused.append(f"{kind.label} is not offered to {size.value} enterprises under this policy")
    if terms.no_stacking and other_subsidy:
        refused.append("another subsidy already covers this cost, and the policy does not stack")
    lines = [
        Line("claimed", claimed, "所申报的利息和担保费（附支付凭证及发票）"),
        Line("base", claimed, "以凭证为准，由审核人核对"),
    ]
    if size_terms is None:
        return Computation(kind, lines, ZERO, refused)
    subsidy = (claimed * size_terms.ratio_percent / HUNDRED).quantize(FEN, rounding=ROUND_DOWN)
    lines.append(Line("ratio", subsidy, f"基数 × {size_terms.ratio_percent}%（向下取整到分）"))
    amount = within_caps(policy, size, size_terms.annual_cap, granted, subsidy, lines)
    amount = amount if not refused else ZERO
    lines.append(Line("result", amount, "不符合条件，不予资助" if refused else "结果"))
    return Computation(kind, lines, amount, refused)
