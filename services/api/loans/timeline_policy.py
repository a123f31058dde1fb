"""What each party reads in a loan's timeline.

An event's summary is written for the bank: it may name amounts, contract numbers, a valuation or the bank's
reasons. Each view therefore sees an event in one of three ways:

- **full**: the summary as written;
- **neutral**: that something happened, in a neutral Chinese label (`NEUTRAL`), without its content;
- **hidden**: not at all (the party has no business knowing it happened).

An event its own organisation recorded is always shown in full to that organisation. Who (the person, `by`) is
shown to the bank's view and to the organisation that recorded it; every other view sees the role and the
organisation only. An event kind not listed here is neutral for every view but the bank's, so that a kind added
later leaks nothing until someone decides who may read it.
"""

from __future__ import annotations

from typing import Literal

ViewName = Literal["bank", "enterprise", "guarantor", "insurer", "valuer", "station", "supervision"]

NEUTRAL: dict[str, str] = {
    "opened": "案件已建立",
    "visit_logged": "已上门走访",
    "checklist_ticked": "辅导清单已勾选",
    "qualification_reviewed": "已完成资质审查",
    "application_submitted": "已提交贷款申请",
    "valuation_submitted": "已提交评估报告",
    "valuation_accepted": "评估结果已确认",
    "terms_proposed": "银行已拟定授信方案",
    "approved": "授信审批通过",
    "rejected": "案件已被银行否决",
    "signed_off": "担保/保险方已签署",
    "sign_off_declined": "担保/保险方已拒绝签署",
    "registration_filed": "已提交质押登记",
    "registered": "质押登记已生效",
    "registration_refused": "质押登记未获通过",
    "registration_overdue": "质押登记超过办理时限",
    "reminder": "案件长时间无进展提醒",
    "disbursed": "贷款已发放",
    "withdrawn": "案件已撤回",
    "repayment_recorded": "已记录还款",
    "prepayment_recorded": "已记录提前还款",
    "tier_changed": "风险分类已调整",
    "due_soon": "还款日临近",
    "overdue": "贷款逾期",
    "compensation_requested": "已请求代偿",
    "compensated": "已代偿",
    "default_declared": "贷款已宣告违约",
    "written_off": "剩余债权已核销",
    "extension_due": "质押登记即将到期",
    "extension_recorded": "质押登记已续展",
    "release_filed": "已提交解除质押登记",
    "released": "质押已解除",
    "release_refused": "解除质押登记未获通过",
    "release_overdue": "解除质押登记超过办理时限",
    "disposed": "质物处置完成",
    "disposal_valuation": "处置评估已更新",
    "disposal_method": "已确定处置方式",
    "disposal_listed": "质物已挂牌",
    "disposal_sold": "质物已成交",
    "disposal_released": "处置质物已解除质押",
}
OTHER = "案件进展已更新"

_ORIGINATION = {"opened", "visit_logged", "checklist_ticked", "qualification_reviewed", "application_submitted"}
_REGISTRATION = {"registration_filed", "registered", "registration_refused", "registration_overdue"}
_RELEASE = {"release_filed", "released", "release_refused", "release_overdue", "extension_due", "extension_recorded"}
_REPAYMENT = {"repayment_recorded", "prepayment_recorded", "due_soon", "overdue"}
_DISPOSAL = {
    "disposed",
    "disposal_valuation",
    "disposal_method",
    "disposal_listed",
    "disposal_sold",
    "disposal_released",
}

# a guarantor or insurer: the loan's terms and collateral and its risk; another sign-off only as a fact
_SIGN_OFF_PARTY = (
    {"application_submitted", "valuation_submitted", "terms_proposed", "disbursed", "withdrawn"}
    | _REGISTRATION
    | {"tier_changed", "overdue", "compensation_requested", "default_declared", "written_off"}
    | _DISPOSAL,
    {"visit_logged", "checklist_ticked", "qualification_reviewed", "reminder", "due_soon"},
)

# (shown in full, hidden); everything else is neutral. The bank's view shows everything.
_POLICY: dict[ViewName, tuple[set[str], set[str]]] = {
    "enterprise": (
        _ORIGINATION
        | {"valuation_submitted", "terms_proposed", "signed_off", "disbursed", "withdrawn"}
        | _REGISTRATION
        | _RELEASE
        | _REPAYMENT
        | _DISPOSAL
        | {"compensated"},
        {"tier_changed", "reminder"},
    ),
    "guarantor": _SIGN_OFF_PARTY,
    "insurer": _SIGN_OFF_PARTY,
    # an appraisal agency: that the case reached it, its own reports (its own events), that they were accepted
    "valuer": (
        set(),
        set(NEUTRAL) - {"opened", "application_submitted", "valuation_accepted"},
    ),
    # a station specialist: the case's progress in full up to the application, then as facts
    "station": (
        _ORIGINATION | {"withdrawn", "reminder"} | _REGISTRATION,
        {"tier_changed", "due_soon", "repayment_recorded", "prepayment_recorded"},
    ),
    # a district office: supervision and subsidy review; not the bank's reasons for its credit decision
    "supervision": (
        set(NEUTRAL) - {"approved"},
        set(),
    ),
}


def shown(view: ViewName, kind: str, own: bool) -> Literal["full", "neutral", "hidden"]:
    """How `view` sees an event of `kind`; `own` when the reader's organisation recorded it."""
    if view == "bank" or own:
        return "full"
    full, hidden = _POLICY[view]
    if kind in full:
        return "full"
    return "hidden" if kind in hidden else "neutral"


def neutral(kind: str) -> str:
    return NEUTRAL.get(kind, OTHER)
