"""The materials each kind of claim needs, exactly as the guideline lists them (§二(四); domain.md §3): the
checklist a district starts its policy version from. Items pledgeflow holds itself are marked `supplied` and are
linked to the claim instead of uploaded."""

from __future__ import annotations

from contracts.subsidy_policy import Material, SubsidyKind, Supplied

_BASE = [
    Material(code="application_form", name="申请书"),
    Material(code="business_licence", name="营业执照"),
    Material(code="tax_certificate", name="纳税证明"),
    Material(code="loan_contract", name="贷款合同", supplied=Supplied.LOAN_CONTRACT),
    Material(code="disbursement_voucher", name="放款凭证", supplied=Supplied.DISBURSEMENT_VOUCHER),
    Material(code="interest_payment_proof", name="贷款付息凭证", supplied=Supplied.INTEREST_PAYMENTS),
    Material(code="pledge_contract", name="质押合同"),
    Material(
        code="pledge_registration",
        name="知识产权质押证明（质权登记证书或质押登记通知书）",
        supplied=Supplied.PLEDGE_REGISTRATION,
    ),
]
_TRANSFER = Material(code="bank_transfer_voucher", name="银行转账凭证")

STANDARD_MATERIALS: dict[SubsidyKind, list[Material]] = {
    SubsidyKind.INTEREST: _BASE,
    SubsidyKind.VALUATION_FEE: [
        *_BASE,
        Material(code="valuation_report", name="评估报告", supplied=Supplied.VALUATION_REPORT),
        Material(code="valuation_contract", name="资产评估合同"),
        Material(code="valuation_invoice", name="评估费用发票"),
        _TRANSFER,
    ],
    SubsidyKind.GUARANTEE_FEE: [
        *_BASE,
        Material(code="guarantee_contract", name="担保（或反担保）合同", supplied=Supplied.GUARANTEE_CONTRACT),
        Material(code="guarantee_invoice", name="担保费用发票"),
        _TRANSFER,
    ],
    SubsidyKind.INSURANCE_PREMIUM: [
        *_BASE,
        Material(code="insurance_contract", name="保险合同（或保单）", supplied=Supplied.INSURANCE_CONTRACT),
        Material(code="insurance_invoice", name="保险费用发票"),
        _TRANSFER,
    ],
    SubsidyKind.BANK_INSTITUTION: [
        Material(code="application_form", name="申请书"),
        Material(
            code="registration_list", name="质押登记清单（附每笔借款合同和质押合同）", supplied=Supplied.BANK_LOANS
        ),
        Material(
            code="ip_share",
            name="知识产权在贷款中的占比（金额或比例）",
            required=False,
            condition="贷款同时有其他担保方式时",
        ),
        Material(code="disbursement_vouchers", name="放款凭证", supplied=Supplied.BANK_LOANS),
        Material(code="product_report", name="产品报告（产品特点、团队、投入、措施、登记笔数与金额、成效）"),
        Material(code="other", name="其他材料", required=False, condition="区主管部门要求时"),
    ],
    SubsidyKind.SECURITISATION: [
        Material(code="project_application", name="项目申请书"),
        Material(code="business_licence", name="营业执照"),
        Material(code="credit_report", name="企业征信报告"),
        Material(code="tax_certificate_last_year", name="上一年度纳税证明"),
        Material(code="issuer_contracts", name="与发行人或增信机构签订的借款合同、担保合同"),
        Material(code="loan_receipt", name="借款借据"),
        Material(code="payment_vouchers", name="利息、本金、担保费的支付凭证及发票"),
        Material(code="participation_proof", name="发行人出具的参与证明"),
        Material(code="settlement_proof", name="贷款结清证明"),
        Material(code="other", name="其他材料", required=False, condition="区主管部门要求时"),
    ],
}
