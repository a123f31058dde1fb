"""Enumerations shared by the API, the workflows and the store (roles, districts, organisation kinds)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a caller may do; carried in the `role` claim of every bearer token."""

    BANK_OFFICER = "bank_officer"
    BANK_APPROVER = "bank_approver"
    GUARANTOR = "guarantor"
    INSURER = "insurer"
    VALUER = "valuer"
    STATION_SPECIALIST = "station_specialist"
    DISTRICT_REVIEWER = "district_reviewer"
    CITY_ADMIN = "city_admin"
    ENTERPRISE = "enterprise"
    PLATFORM_ADMIN = "platform_admin"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS: dict[Role, str] = {
    Role.BANK_OFFICER: "银行客户经理",
    Role.BANK_APPROVER: "银行审批人",
    Role.GUARANTOR: "担保公司",
    Role.INSURER: "保险公司",
    Role.VALUER: "资产评估机构",
    Role.STATION_SPECIALIST: "知识产权金融服务专员",
    Role.DISTRICT_REVIEWER: "区牵头部门审核人",
    Role.CITY_ADMIN: "市级管理员",
    Role.ENTERPRISE: "企业",
    Role.PLATFORM_ADMIN: "平台管理员",
}


class District(StrEnum):
    """The districts of Shenzhen (深圳市各区), by stable code; `label` is the Chinese name."""

    FUTIAN = "futian"
    LUOHU = "luohu"
    NANSHAN = "nanshan"
    YANTIAN = "yantian"
    BAOAN = "baoan"
    LONGGANG = "longgang"
    LONGHUA = "longhua"
    PINGSHAN = "pingshan"
    GUANGMING = "guangming"
    DAPENG = "dapeng"
    SHENSHAN = "shenshan"

    @property
    def label(self) -> str:
        return _DISTRICT_LABELS[self]


_DISTRICT_LABELS: dict[District, str] = {
    District.FUTIAN: "福田区",
    District.LUOHU: "罗湖区",
    District.NANSHAN: "南山区",
    District.YANTIAN: "盐田区",
    District.BAOAN: "宝安区",
    District.LONGGANG: "龙岗区",
    District.LONGHUA: "龙华区",
    District.PINGSHAN: "坪山区",
    District.GUANGMING: "光明区",
    District.DAPENG: "大鹏新区",
    District.SHENSHAN: "深汕特别合作区",
}


class OrganisationKind(StrEnum):
    """The kinds of organisation that take part in a loan."""

    BANK = "bank"
    GUARANTEE_COMPANY = "guarantee_company"
    INSURER = "insurer"
    APPRAISAL_AGENCY = "appraisal_agency"
    SERVICE_STATION = "service_station"
    DISTRICT_OFFICE = "district_office"
    CITY_OFFICE = "city_office"
    ASSOCIATION = "association"
    ENTERPRISE = "enterprise"
    PLATFORM = "platform"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.BANK: "银行",
    OrganisationKind.GUARANTEE_COMPANY: "担保公司",
    OrganisationKind.INSURER: "保险公司",
    OrganisationKind.APPRAISAL_AGENCY: "资产评估机构",
    OrganisationKind.SERVICE_STATION: "知识产权金融服务站",
    OrganisationKind.DISTRICT_OFFICE: "区牵头部门",
    OrganisationKind.CITY_OFFICE: "市级有关部门",
    OrganisationKind.ASSOCIATION: "知识产权金融协会",
    OrganisationKind.ENTERPRISE: "企业",
    OrganisationKind.PLATFORM: "平台运营方",
}


class IPKind(StrEnum):
    """Kinds of intellectual property that can be pledged."""

    INVENTION_PATENT = "invention_patent"
    UTILITY_MODEL = "utility_model"
    DESIGN_PATENT = "design_patent"
    TRADEMARK = "trademark"
    COPYRIGHT = "copyright"
    SOFTWARE_COPYRIGHT = "software_copyright"

    @property
    def label(self) -> str:
        return _IP_KIND_LABELS[self]

    @property
    def is_patent(self) -> bool:
        return self in (IPKind.INVENTION_PATENT, IPKind.UTILITY_MODEL, IPKind.DESIGN_PATENT)

    @property
    def authority(self) -> Authority:
        """Where a pledge of this kind is registered (CNIPA for patents and trademarks)."""
        if self in (IPKind.COPYRIGHT, IPKind.SOFTWARE_COPYRIGHT):
            return Authority.CPCC
        return Authority.CNIPA


_IP_KIND_LABELS: dict[IPKind, str] = {
    IPKind.INVENTION_PATENT: "发明专利",
    IPKind.UTILITY_MODEL: "实用新型专利",
    IPKind.DESIGN_PATENT: "外观设计专利",
    IPKind.TRADEMARK: "商标",
    IPKind.COPYRIGHT: "著作权",
    IPKind.SOFTWARE_COPYRIGHT: "计算机软件著作权",
}


class Authority(StrEnum):
    """Registration authorities: CNIPA (国家知识产权局) and the copyright protection centre (中国版权保护中心)."""

    CNIPA = "cnipa"
    CPCC = "cpcc"


class LegalStatus(StrEnum):
    VALID = "valid"
    LAPSED = "lapsed"
    INVALIDATED = "invalidated"
    FROZEN = "frozen"


class SizeClass(StrEnum):
    """Enterprise size (大型 / 中型 / 小型 / 微型), which sets subsidy ratios and caps."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"

    @property
    def label(self) -> str:
        return {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}[self.value]


class RepaymentMode(StrEnum):
    MONTHLY_INTEREST = "monthly_interest"
    QUARTERLY_INTEREST = "quarterly_interest"
    BULLET = "bullet"
    EQUAL_INSTALMENT = "equal_instalment"
    EQUAL_PRINCIPAL = "equal_principal"

    @property
    def label(self) -> str:
        return _REPAYMENT_LABELS[self]


_REPAYMENT_LABELS: dict[RepaymentMode, str] = {
    RepaymentMode.MONTHLY_INTEREST: "按月付息、到期还本",
    RepaymentMode.QUARTERLY_INTEREST: "按季付息、到期还本",
    RepaymentMode.BULLET: "一次性还本付息",
    RepaymentMode.EQUAL_INSTALMENT: "等额本息",
    RepaymentMode.EQUAL_PRINCIPAL: "等额本金",
}


class CreditSupport(StrEnum):
    """What backs the loan besides the pledged IP (none of these = IP only)."""

    CONTROLLER_GUARANTEE = "controller_guarantee"
    GUARANTEE_COMPANY = "guarantee_company"
    INSURANCE = "insurance"


class Stage(StrEnum):
    """Stages of a loan. Before disbursement a loan may end `withdrawn` or `rejected`; after it, a loan in
    `servicing` ends `closed` (repaid, pledge released), `disposed` (pledged IP sold, debt covered) or
    `written_off` (the remainder written off after disposal)."""

    GUIDANCE = "guidance"
    VALUATION = "valuation"
    APPROVAL = "approval"
    REGISTRATION = "registration"
    DISBURSEMENT = "disbursement"
    SERVICING = "servicing"
    RELEASE = "release"
    DEFAULT = "default"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    CLOSED = "closed"
    DISPOSED = "disposed"
    WRITTEN_OFF = "written_off"

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]

    @property
    def is_open(self) -> bool:
        """Before disbursement and not ended: the loan can still be withdrawn or rejected."""
        return self in (Stage.GUIDANCE, Stage.VALUATION, Stage.APPROVAL, Stage.REGISTRATION, Stage.DISBURSEMENT)

    @property
    def is_terminal(self) -> bool:
        return self in (Stage.WITHDRAWN, Stage.REJECTED, Stage.CLOSED, Stage.DISPOSED, Stage.WRITTEN_OFF)

    @property
    def is_servicing(self) -> bool:
        """Disbursed and not yet ended: repayments, release or disposal are under way."""
        return self in (Stage.SERVICING, Stage.RELEASE, Stage.DEFAULT)

    @property
    def holds_assets(self) -> bool:
        return not self.is_terminal


_STAGE_LABELS: dict[Stage, str] = {
    Stage.GUIDANCE: "贷前指导",
    Stage.VALUATION: "价值评估",
    Stage.APPROVAL: "授信审批",
    Stage.REGISTRATION: "质押登记",
    Stage.DISBURSEMENT: "放款",
    Stage.SERVICING: "还款监控",
    Stage.RELEASE: "解除质押",
    Stage.DEFAULT: "违约处置",
    Stage.WITHDRAWN: "已撤回",
    Stage.REJECTED: "已否决",
    Stage.CLOSED: "已结清",
    Stage.DISPOSED: "已处置",
    Stage.WRITTEN_OFF: "已核销",
}


class DayCount(StrEnum):
    """Day-count basis of a product's interest: actual days over 360 (RMB default) or 365."""

    ACT_360 = "act_360"
    ACT_365 = "act_365"

    @property
    def basis(self) -> int:
        return 360 if self is DayCount.ACT_360 else 365


class RiskTier(StrEnum):
    """Five-tier loan classification (五级分类); days past due set the minimum tier."""

    NORMAL = "normal"
    SPECIAL_MENTION = "special_mention"
    SUBSTANDARD = "substandard"
    DOUBTFUL = "doubtful"
    LOSS = "loss"

    @property
    def label(self) -> str:
        return _TIER_LABELS[self]

    @property
    def rank(self) -> int:
        return list(RiskTier).index(self)

    @property
    def non_performing(self) -> bool:
        return self.rank >= RiskTier.SUBSTANDARD.rank


_TIER_LABELS: dict[RiskTier, str] = {
    RiskTier.NORMAL: "正常",
    RiskTier.SPECIAL_MENTION: "关注",
    RiskTier.SUBSTANDARD: "次级",
    RiskTier.DOUBTFUL: "可疑",
    RiskTier.LOSS: "损失",
}


class DisposalMethod(StrEnum):
    TRANSFER = "transfer"
    AUCTION = "auction"
    LICENSING = "licensing"


class ValuationMethod(StrEnum):
    INCOME = "income"
    MARKET = "market"
    COST = "cost"


class FilingChannel(StrEnum):
    ONLINE = "online"
    PAPER = "paper"


class ChecklistItem(StrEnum):
    """The guidance checklist of the district guideline §三(一)."""

    POLICY_BRIEFING = "policy_briefing"
    QUALIFICATION_REVIEW = "qualification_review"
    VALUATION = "valuation"
    CONTRACT = "contract"
    REGISTRATION = "registration"
    SUBSIDY_CLAIM = "subsidy_claim"

    @property
    def label(self) -> str:
        return _CHECKLIST_LABELS[self]


_CHECKLIST_LABELS: dict[ChecklistItem, str] = {
    ChecklistItem.POLICY_BRIEFING: "政策解读",
    ChecklistItem.QUALIFICATION_REVIEW: "资质审查",
    ChecklistItem.VALUATION: "价值评估",
    ChecklistItem.CONTRACT: "合同填写",
    ChecklistItem.REGISTRATION: "质押登记",
    ChecklistItem.SUBSIDY_CLAIM: "申报资助",
}
