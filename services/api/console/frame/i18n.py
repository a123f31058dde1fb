"""The console's words: Chinese first, English on the toggle. A label missing in English falls back to Chinese (the
enums' own labels are Chinese); a key missing altogether is a bug that `tests/api/console/test_frame.py` catches."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

WORDS: dict[str, tuple[str, str]] = {
    "app": ("知识产权质押融资服务平台", "IP pledge financing"),
    "home": ("待办", "Waiting for you"),
    "cases": ("案件", "Cases"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "sign_in_as": ("以演示用户登录", "Sign in as a demo user"),
    "dev_only": ("仅限开发环境：选择一个演示用户。", "Development only: pick a demo user."),
    "signed_in_as": ("当前用户", "Signed in as"),
    "language": ("English", "中文"),
    "loan": ("贷款", "Loan"),
    "stage": ("阶段", "Stage"),
    "enterprise": ("企业", "Enterprise"),
    "bank": ("银行", "Bank"),
    "station": ("服务站", "Station"),
    "valuer": ("评估机构", "Appraisal agency"),
    "guarantor": ("担保公司", "Guarantor"),
    "insurer": ("保险公司", "Insurer"),
    "parties": ("参与方", "Parties"),
    "requested": ("申请金额", "Requested"),
    "approved": ("批准金额", "Approved"),
    "disbursed": ("放款金额", "Disbursed"),
    "outstanding": ("未还本金", "Outstanding principal"),
    "classification": ("五级分类", "Classification"),
    "opened": ("立案", "Opened"),
    "updated": ("最近活动", "Last activity"),
    "actions": ("可办理事项", "Steps you may take"),
    "not_now": ("暂不可办理", "Not now"),
    "timeline": ("办理记录", "Timeline"),
    "schedule": ("还款计划", "Repayment schedule"),
    "due_date": ("到期日", "Due"),
    "principal": ("本金", "Principal"),
    "interest": ("利息", "Interest"),
    "paid": ("已还", "Paid"),
    "status": ("状态", "Status"),
    "nothing_waiting": ("目前没有等待您办理的事项。", "Nothing is waiting for you."),
    "no_cases": ("没有符合条件的案件。", "No case matches."),
    "filter": ("筛选", "Filter"),
    "search": ("搜索企业", "Search enterprise"),
    "all_stages": ("全部阶段", "All stages"),
    "next_page": ("下一页", "Next page"),
    "first_page": ("第一页", "First page"),
    "open": ("打开", "Open"),
    "not_found": ("未找到", "Not found"),
    "not_found_text": (
        "没有这笔贷款，或您无权查看。",
        "There is no such loan, or it is not yours to see.",
    ),
    "error": ("出错了", "Something went wrong"),
    "back_home": ("返回待办", "Back to your list"),
    "waiting_on": ("等待", "Waiting on"),
    "none": ("无", "none"),
    "position": ("当前欠款", "Owed today"),
    "csrf_refused": (
        "表单已过期或来源不明，请刷新页面后重试。",
        "This form has expired or did not come from this console: reload the page and try again.",
    ),
    "submit": ("提交", "Submit"),
    "sign_in_refused": ("登录未成功", "You were not signed in"),
    "sign_in_org": ("使用本单位账号登录", "Sign in with your organisation"),
    "watch": ("贷后监测", "Watch list"),
    "portfolio": ("资产组合", "Portfolio"),
    "by_stage": ("按阶段", "By stage"),
    "by_classification": ("按五级分类", "By classification"),
    "loans": ("笔数", "Loans"),
    "all": ("全部", "All"),
    "overdue": ("逾期", "Overdue"),
    "overdue_only": ("仅逾期", "Overdue only"),
    "not_overdue": ("未逾期", "Not overdue"),
    "overdue_since": ("逾期起始日", "Overdue since"),
    "days_past_due": ("逾期天数", "Days past due"),
    "next_due": ("下次应还", "Next due"),
    "cancel": ("取消", "Cancel"),
    "one_per_line": ("每行一项", "one per line"),
    "api_only": ("此步骤暂需通过接口办理。", "This step is taken through the API for now."),
    "confirm_irreversible": ("此操作不可撤销，确定提交吗？", "This cannot be undone. Submit?"),
    "session_expired": ("登录已过期，请重新登录。", "Your sign-in has expired: please sign in again."),
}


def word(key: str, lang: Lang) -> str:
    zh, en = WORDS[key]
    return en if lang == "en" else zh


# The loan's steps as a clerk names them (the API's action names are the keys).
ACTIONS: dict[str, tuple[str, str]] = {
    "log_visit": ("登记走访", "Log a visit"),
    "tick_checklist": ("勾选材料清单", "Tick the checklist"),
    "review_qualification": ("资质审查", "Review qualification"),
    "submit_application": ("提交贷款申请", "Submit the application"),
    "submit_valuation": ("提交评估报告", "Submit a valuation report"),
    "accept_valuation": ("采纳评估结果", "Accept the valuation"),
    "propose_terms": ("提出授信方案", "Propose terms"),
    "decide_approval": ("审批", "Decide approval"),
    "sign_off": ("签署担保/保险", "Sign off"),
    "decline_sign_off": ("拒绝担保/保险", "Decline to sign off"),
    "file_registration": ("办理质押登记", "File the pledge registration"),
    "record_registration_outcome": ("登记结果", "Record the registration outcome"),
    "disburse": ("放款", "Disburse"),
    "withdraw": ("撤回申请", "Withdraw"),
    "reject": ("拒绝", "Reject"),
    "record_repayment": ("登记还款", "Record a repayment"),
    "prepay": ("提前还款", "Prepay"),
    "downgrade": ("调整五级分类", "Downgrade"),
    "declare_default": ("宣布违约", "Declare default"),
    "record_compensation": ("登记代偿", "Record compensation"),
    "file_release": ("办理解押", "File the release"),
    "record_release_outcome": ("解押结果", "Record the release outcome"),
    "record_extension": ("登记展期", "Record an extension"),
    "write_off": ("核销", "Write off"),
}


def action_label(action: str, lang: Lang) -> str:
    zh, en = ACTIONS[action]
    return en if lang == "en" else zh


# The fields of the step forms (the API's field names are the keys); a field without a label shows its name.
FIELDS: dict[str, tuple[str, str]] = {
    "visited_on": ("走访日期", "Visited on"),
    "people": ("走访人员", "People"),
    "place": ("地点", "Place"),
    "outcome": ("走访结果", "Outcome"),
    "next_action": ("下一步", "Next action"),
    "next_visit_on": ("下次走访日期", "Next visit on"),
    "item": ("材料", "Item"),
    "note": ("备注", "Note"),
    "reason": ("理由", "Reason"),
    "approve": ("同意", "Approve"),
    "amount": ("金额", "Amount"),
    "paid_on": ("还款日期", "Paid on"),
    "value_date": ("起息日", "Value date"),
    "disbursed_on": ("放款日期", "Disbursed on"),
    "voucher": ("放款凭证号", "Voucher"),
    "asset_id": ("知识产权", "IP asset"),
    "channel": ("办理渠道", "Channel"),
    "filed_on": ("提交日期", "Filed on"),
    "contract_number": ("合同编号", "Contract number"),
    "report_number": ("报告编号", "Report number"),
    "value": ("评估价值", "Value"),
    "base_date": ("评估基准日", "Base date"),
    "fee": ("费用", "Fee"),
}


def field_label(name: str, lang: Lang) -> str:
    zh, en = FIELDS.get(name, (name, name))
    return en if lang == "en" else zh
