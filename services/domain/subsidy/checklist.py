"""A claim's materials against its kind's checklist: each item an uploaded document or, where pledgeflow holds the
fact, a link filled in automatically; what is missing is named."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from contracts.loan_state import LoanState
from contracts.subsidy_claim import MaterialLink
from contracts.subsidy_policy import Material, Supplied
from services.domain.subsidy.institution import BankLoan


@dataclass(frozen=True)
class Checked:
    links: list[MaterialLink]
    missing: list[str]  # "申请书 (application_form)", or why a supplied fact is not there
    unknown: list[str]  # codes given that the checklist does not have


def supplied_reference(state: LoanState, supplied: Supplied) -> str | None:
    """What pledgeflow holds for `supplied` on this loan, in a line (None: it holds nothing for it yet)."""
    disbursement = state.disbursement
    servicing = state.servicing
    if supplied is Supplied.LOAN_CONTRACT:
        return f"借款合同 {disbursement.contract_number}" if disbursement else None
    if supplied is Supplied.DISBURSEMENT_VOUCHER:
        return f"放款凭证 {disbursement.voucher}（{disbursement.disbursed_on}）" if disbursement else None
    if supplied is Supplied.INTEREST_PAYMENTS:
        paid = [p for p in (servicing.payments if servicing else []) if p.allocation.interest > 0]
        return f"平台记录的付息 {len(paid)} 笔" if paid else None
    if supplied is Supplied.PLEDGE_REGISTRATION:
        numbers = [f.registration_number for f in state.filings.values() if f.outcome == "registered"]
        return f"质押登记 {'、'.join(n for n in numbers if n)}" if numbers else None
    if supplied is Supplied.VALUATION_REPORT:
        reports = [r.report_number for r in state.valuations.values() if not r.in_house]
        return f"评估报告 {'、'.join(reports)}" if reports else None
    if supplied is Supplied.BANK_LOANS:
        return None  # a bank's loans back a bank's own claim (bank_loans_reference), never an enterprise's
    party = {Supplied.GUARANTEE_CONTRACT: "guarantor", Supplied.INSURANCE_CONTRACT: "insurer"}[supplied]
    contracts = [s.contract_number for s in state.sign_offs.values() if s.party == party]
    return f"合同 {'、'.join(contracts)}" if contracts else None


def bank_loans_reference(loans: Sequence[BankLoan], supplied: Supplied) -> str | None:
    """What pledgeflow holds for a bank's own claim: its IP pledge loans in the district and period."""
    if supplied is not Supplied.BANK_LOANS or not loans:
        return None
    return f"平台记录的知识产权质押贷款 {len(loans)} 笔（{'、'.join(loan.loan_id for loan in loans[:20])}）"


def check_materials(
    checklist: list[Material], documents: Mapping[str, str], reference: Callable[[Supplied], str | None]
) -> Checked:
    """`documents` maps a material's code to an uploaded document's id (already checked to exist and be the
    filer's to use); `reference` says what pledgeflow holds for a supplied item (supplied_reference for a loan's
    claims, bank_loans_reference for a bank's). A supplied item is linked when pledgeflow holds its fact, and may
    be uploaded instead."""
    links, missing = [], []
    codes = {m.code for m in checklist}
    for material in checklist:
        named = f"{material.name} ({material.code})"
        document = documents.get(material.code)
        if document is not None:
            links.append(MaterialLink(code=material.code, name=material.name, document_id=document))
            continue
        if material.supplied is not None:
            held = reference(material.supplied)
            if held is not None:
                links.append(
                    MaterialLink(code=material.code, name=material.name, supplied=material.supplied, reference=held)
                )
                continue
        if material.required:
            missing.append(named)
    return Checked(links, missing, sorted(set(documents) - codes))
