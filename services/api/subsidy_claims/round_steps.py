"""What a round does for its claims together: publish the public notice (each approved claim's workflow times its
own end by a durable timer), list it (also as a workbook), and issue the funding plan — the noticed claims' approved
amounts, cut pro rata when the year's budget is short, the shares summing to what is left of it, to the fen."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from contracts.enums import Role
from contracts.subsidy_claim import (
    ClaimStatus,
    ClaimStepResult,
    ClaimUpdate,
    SetFundingInput,
    StartNoticeInput,
    claim_workflow_id,
)
from contracts.subsidy_policy import SubsidyKind
from services.api.dependencies import RequestContext, actor_of
from services.api.errors import Conflict, Forbidden
from services.api.subsidies.exceptions import PolicyDateRefused
from services.api.subsidies.service import today
from services.api.subsidy_claims.exceptions import RoundNotFound
from services.api.subsidy_claims.schemas import (
    FundingLine,
    FundingPlan,
    NoticeEntry,
    NoticeList,
    NoticeRequest,
)
from services.api.workflow_updates import send_update
from services.domain.subsidy.rounds import cut_pro_rata, notice_ends
from services.platform.auth import Principal
from services.store import subsidy_claims, subsidy_policies
from services.store.subsidy_facts import terms_of
from services.store.subsidy_tables import SubsidyClaim, SubsidyRound

ON_NOTICE = (ClaimStatus.IN_NOTICE, ClaimStatus.NOTICED, ClaimStatus.FUNDED, ClaimStatus.PAID)


async def _round(session: AsyncSession, round_id: str) -> SubsidyRound:
    found = await subsidy_claims.get_round(session, round_id)
    if found is None:
        raise RoundNotFound(f"There is no claim round {round_id!r}.")
    return found


def may_act(principal: Principal, found: SubsidyRound) -> bool:
    """A round's notice and funding plan are its district's reviewers'."""
    return (
        principal.role is Role.DISTRICT_REVIEWER
        and principal.district is not None
        and (principal.district.value == found.district)
    )


def _the_districts_reviewer(principal: Principal, found: SubsidyRound) -> None:
    if not may_act(principal, found):
        raise Forbidden(f"This is for a reviewer of {found.district}; you are signed in as {principal.role.value}.")


@dataclass(frozen=True)
class RoundOverview:
    notice: NoticeList
    approved: int  # claims approved, waiting for the notice
    noticed: int  # claims through their notice, waiting for the funding plan
    may_act: bool  # the caller may publish the notice and issue the plan


async def overview(session: AsyncSession, principal: Principal, round_id: str) -> RoundOverview:
    """A round as its page shows it."""
    found = await _round(session, round_id)
    approved = await subsidy_claims.approved_of_round(session, round_id, ClaimStatus.APPROVED.value)
    noticed = await subsidy_claims.approved_of_round(session, round_id, ClaimStatus.NOTICED.value)
    notice = await notice_list(session, round_id)
    return RoundOverview(notice, len(approved), len(noticed), may_act(principal, found))


async def _each(
    temporal: Client, context: RequestContext, claims: list[SubsidyClaim], update: ClaimUpdate, make: object
) -> None:
    """Send `update` to each claim's workflow, one at a time; each with an update id of its own (derived from the
    request's Idempotency-Key and the claim), so a retried request joins what the first one started."""
    for claim in claims:
        key = f"{context.idempotency_key}:{claim.id}" if context.idempotency_key else None
        await send_update(
            temporal,
            replace(context, idempotency_key=key),
            claim_workflow_id(claim.id),
            update.value,
            make(claim),  # type: ignore[operator]
            ClaimStepResult,
            closed=lambda claim=claim: _closed(claim),  # type: ignore[misc]
            what="claim",
        )


async def _closed(claim: SubsidyClaim) -> str:
    return f"The claim {claim.id} takes no more steps."


async def publish_notice(
    session: AsyncSession, temporal: Client, context: RequestContext, round_id: str, body: NoticeRequest
) -> NoticeList:
    """Put the round's approved claims on public notice for the policy's number of working days."""
    found = await _round(session, round_id)
    _the_districts_reviewer(context.principal, found)
    published_on = body.published_on or today()
    if published_on > today():
        raise PolicyDateRefused(f"A notice is published today or earlier, not on {published_on}.")
    policy = await subsidy_policies.get_version(session, found.policy_id)
    assert policy is not None  # a round's policy is a foreign key
    ends = notice_ends(published_on, terms_of(policy).notice_working_days)
    approved = list(await subsidy_claims.claims_of_round(session, round_id, [ClaimStatus.APPROVED.value]))
    if not approved:
        raise Conflict("The round has no approved claim waiting for its notice.")
    actor = actor_of(context.principal)
    await session.commit()  # release the connection while the workflows work
    await _each(
        temporal,
        context,
        approved,
        ClaimUpdate.START_NOTICE,
        lambda _: StartNoticeInput(
            actor=actor,
            request_id=context.request_id,
            published_on=published_on,
            ends_on=ends.day,
            provisional=ends.provisional,
        ),
    )
    return await notice_list(session, round_id)


async def notice_list(session: AsyncSession, round_id: str) -> NoticeList:
    """The round's notice: public, as the guideline asks (any signed-in caller may read it)."""
    found = await _round(session, round_id)
    rows = await subsidy_claims.notice_rows(session, round_id, [s.value for s in ON_NOTICE])
    entries = []
    for row in rows:
        kind = SubsidyKind(row.kind)
        entries.append(
            NoticeEntry(
                claim_id=row.id,
                enterprise_name=row.enterprise_name,
                kind=kind,
                kind_label=kind.label,
                amount=row.approved or Decimal("0.00"),
                status=ClaimStatus(row.status),
                ends_on=date.fromisoformat(row.ends_on) if row.ends_on else None,
            )
        )
    total = sum((e.amount for e in entries), Decimal("0.00"))
    return NoticeList(round_id=found.id, title=found.title, entries=entries, total=total)


def notice_workbook(notice: NoticeList) -> bytes:
    """The notice as an .xlsx workbook (企业名称, 资助类别, 资助金额), amounts as numbers to the fen."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("公示名单")
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet.write_row(0, 0, ["序号", "企业名称", "资助类别", "资助金额（元）", "公示截止"], bold)
    for row, entry in enumerate(notice.entries, start=1):
        sheet.write_number(row, 0, row)
        sheet.write_string(row, 1, entry.enterprise_name)
        sheet.write_string(row, 2, entry.kind_label)
        sheet.write_number(row, 3, float(entry.amount), money)  # the cell's value; the fen shown by its format
        sheet.write_string(row, 4, entry.ends_on.isoformat() if entry.ends_on else "")
    sheet.write_string(len(notice.entries) + 1, 2, "合计", bold)
    sheet.write_number(len(notice.entries) + 1, 3, float(notice.total), money)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 4, 16)
    book.close()
    return buffer.getvalue()


async def issue_funding_plan(
    session: AsyncSession, temporal: Client, context: RequestContext, round_id: str
) -> FundingPlan:
    """The funding plan of the round's noticed claims, cut pro rata when the year's budget is short."""
    found = await _round(session, round_id)
    _the_districts_reviewer(context.principal, found)
    policy = await subsidy_policies.get_version(session, found.policy_id)
    assert policy is not None
    approved = await subsidy_claims.approved_of_round(session, round_id, ClaimStatus.NOTICED.value)
    if not approved:
        raise Conflict("The round has no claim whose notice has ended waiting for a funding plan.")
    versions = await subsidy_policies.list_versions(session, district=found.district, year=policy.year)
    # Everything already in a plan of the year counts, this round's own claims too: a plan sent again after some of
    # its claims went through cuts the rest from what is left, so the year's plans never exceed the budget (and the
    # rest get the shares the first attempt gave them, to the fen's rounding).
    used = await subsidy_claims.funded_under(session, [v.id for v in versions])
    budget = terms_of(policy).budget
    shares = cut_pro_rata(approved, max(budget - used, Decimal("0.00")))
    noticed = list(await subsidy_claims.claims_of_round(session, round_id, [ClaimStatus.NOTICED.value]))
    actor = actor_of(context.principal)
    await session.commit()
    await _each(
        temporal,
        context,
        noticed,
        ClaimUpdate.SET_FUNDING,
        lambda claim: SetFundingInput(
            actor=actor, request_id=context.request_id, plan_id=round_id, amount=shares[claim.id]
        ),
    )
    lines = [
        FundingLine(claim_id=c.id, enterprise_name=c.enterprise_name, approved=approved[c.id], funded=shares[c.id])
        for c in noticed
    ]
    requested = sum(approved.values(), Decimal("0.00"))
    funded = sum(shares.values(), Decimal("0.00"))
    return FundingPlan(
        round_id=round_id,
        budget=budget,
        used_before=used,
        requested=requested,
        funded=funded,
        cut=funded < requested,
        lines=lines,
    )
