"""The revision form of a policy version: its figures as fields (the ratio and the cap per size class of each kind
it offers, the budget, the notice length, the end of the filing window), everything else kept from the version it
revises. Made per version, since each offers its own kinds; validated by the API's own models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from contracts.enums import SizeClass
from contracts.subsidy_policy import NewPolicyVersion, Percent, PolicyTerms, SizeTerms
from contracts.types import Money, Text


class _Revision(BaseModel):
    model_config = ConfigDict(extra="forbid")


def revision_model(terms: PolicyTerms) -> type[BaseModel]:
    fields: dict[str, Any] = {
        "effective_from": (date, ...),
        "reason": (Text, ...),
        "budget": (Money, ...),
        "notice_working_days": (int, Field(ge=1, le=30)),
        "filing_closes": (date, ...),
    }
    for kind in terms.kinds:
        fields[f"{kind.value}_ratio_percent"] = (dict[SizeClass, Percent], Field(default_factory=dict))
        fields[f"{kind.value}_annual_cap"] = (dict[SizeClass, Money], Field(default_factory=dict))
    model: type[BaseModel] = create_model("PolicyRevision", __base__=_Revision, **fields)
    return model


def prefilled(terms: PolicyTerms) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The form's values as the revised version has them: (single values, per size class figures)."""
    values = {
        "budget": f"{terms.budget}",
        "notice_working_days": str(terms.notice_working_days),
        "filing_closes": terms.filing_closes.isoformat(),
    }
    chosen: dict[str, list[str]] = {}
    for kind, kind_terms in terms.kinds.items():
        for size, figures in kind_terms.by_size.items():
            chosen[f"{kind.value}_ratio_percent.{size.value}"] = [f"{figures.ratio_percent}"]
            chosen[f"{kind.value}_annual_cap.{size.value}"] = [f"{figures.annual_cap}"]
    return values, chosen


class SizesIncomplete(ValueError):
    """A size class given a ratio without a cap, or a cap without a ratio."""


def revised(base: NewPolicyVersion, form: BaseModel) -> NewPolicyVersion:
    """`base` with the form's figures: a size class left blank in a kind is no longer offered that kind."""
    given = form.model_dump()
    kinds = {}
    for kind, kind_terms in base.terms.kinds.items():
        ratios: dict[SizeClass, Decimal] = given[f"{kind.value}_ratio_percent"]
        caps: dict[SizeClass, Decimal] = given[f"{kind.value}_annual_cap"]
        if set(ratios) != set(caps):
            odd = ", ".join(sorted(s.label for s in set(ratios) ^ set(caps)))
            raise SizesIncomplete(f"{kind.label}：{odd}企业的比例与上限须同时填写或同时留空")
        by_size = {size: SizeTerms(ratio_percent=ratios[size], annual_cap=caps[size]) for size in ratios}
        kinds[kind] = kind_terms.model_copy(update={"by_size": by_size})
    terms = base.terms.model_copy(
        update={
            "kinds": kinds,
            "budget": given["budget"],
            "notice_working_days": given["notice_working_days"],
            "filing_closes": given["filing_closes"],
        }
    )
    # Validated again as a whole, as the API validates a body (a kind left with no size class, a window closing
    # before it opens).
    return NewPolicyVersion.model_validate(
        {
            "district": base.district,
            "year": base.year,
            "effective_from": given["effective_from"],
            "terms": terms.model_dump(),
            "reason": given["reason"],
        }
    )
