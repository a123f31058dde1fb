"""A district's white list of enterprises (白名单, guideline §三(一); domain.md §1, §7): who is on it, in which
categories, from which source and year, with which IP holdings and whether it needs financing — and the results
of importing it from a file, row by row."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from contracts.base import Model
from contracts.enums import District


class WhitelistCategory(StrEnum):
    DEMONSTRATION = "ip_demonstration"  # 知识产权优势示范企业
    PATENT_AWARD = "patent_award"  # 专利奖获奖企业
    SPECIALISED = "specialised"  # 专精特新企业
    HIGH_TECH = "high_tech"  # 高新技术企业
    TECH_SME = "tech_sme"  # 科技型中小企业
    OTHER = "other"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    WhitelistCategory.DEMONSTRATION: "知识产权优势示范企业",
    WhitelistCategory.PATENT_AWARD: "专利奖获奖企业",
    WhitelistCategory.SPECIALISED: "专精特新企业",
    WhitelistCategory.HIGH_TECH: "高新技术企业",
    WhitelistCategory.TECH_SME: "科技型中小企业",
    WhitelistCategory.OTHER: "其他",
}


class RowResult(StrEnum):
    """What importing a row does (or would do, before the import is committed)."""

    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    INVALID = "invalid"
    DUPLICATE = "duplicate"  # the same credit code earlier in the file

    @property
    def label(self) -> str:
        return {
            RowResult.NEW: "新增",
            RowResult.UPDATED: "更新",
            RowResult.UNCHANGED: "无变化",
            RowResult.INVALID: "有误",
            RowResult.DUPLICATE: "重复",
        }[self]

    @property
    def rejected(self) -> bool:
        return self in (RowResult.INVALID, RowResult.DUPLICATE)


class WhitelistFacts(Model):
    """What the white list holds of one enterprise (a row as imported, normalised)."""

    credit_code: str
    name: str
    district: District
    categories: list[WhitelistCategory] = Field(min_length=1)
    source: str = ""
    year: int
    patents: int = Field(default=0, ge=0)
    trademarks: int = Field(default=0, ge=0)
    copyrights: int = Field(default=0, ge=0)
    financing_need: bool = False
    need_note: str = ""
