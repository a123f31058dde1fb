"""Pushing white-listed enterprises to the district's banks, and the banks' answers. A push is a workflow of its own
(services/workflows/whitelist_push.py), started with an update that answers once the push is written; a bank's
acceptance opens the case first — its id derived from the push, so that a retry or a second click finds the same
case — with the district's station following it, then records the answer. Only banks serving the district (a
city-wide branch, or a branch of that district) are pushed to; a bank sees and answers its own pushes only."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from contracts.base import Recorded
from contracts.enums import District, OrganisationKind, Role
from contracts.types import TRUSTED
from contracts.whitelist_push import (
    ANSWER_PUSH,
    PUSH_WORKFLOW_NAME,
    PUSH_WRITTEN,
    AnswerPushInput,
    PushInput,
    PushState,
    PushStatus,
    push_workflow_id,
)
from services.api.dependencies import RequestContext, actor_of
from services.api.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.api.loans import service as loans
from services.api.loans.schemas import OpenLoanRequest
from services.api.subsidies.service import today
from services.api.whitelist.schemas import AnswerRequest, ConversionRow, PushRequest, PushView
from services.api.whitelist.service import may_manage
from services.api.workflow_updates import send_update, start_with_update
from services.domain.calendar import working_deadline
from services.platform.auth import Principal
from services.platform.settings import ApiSettings
from services.store import organisations, reference, roster, whitelist, whitelist_pushes
from services.store.whitelist_tables import WhitelistEntry, WhitelistPush

_STARTING = asyncio.Semaphore(8)


class PushNotFound(NotFound):
    type_slug = "whitelist-push-not-found"
    title = "No such push"


class NotOnTheList(NotFound):
    type_slug = "not-on-the-whitelist"
    title = "Not on the white list"


def view_of(row: WhitelistPush) -> PushView:
    state = PushState.model_validate(row.state, context=TRUSTED)
    return PushView(
        id=row.id,
        district=state.district,
        credit_code=row.credit_code,
        enterprise_name=row.enterprise_name,
        bank_id=row.bank_id,
        status=state.status,
        status_label=state.status.label,
        overdue=state.status is PushStatus.OVERDUE,
        remind_on=state.remind_on,
        pushed_at=row.pushed_at,
        reason=state.reason,
        loan_id=state.loan_id,
    )


def _district_of(principal: Principal, asked: District | None) -> District:
    district = principal.district if principal.role is Role.DISTRICT_REVIEWER else asked
    if district is None or not may_manage(principal, district):
        raise Forbidden("Enterprises are pushed to banks by their district's office (an administrator names it).")
    return district


async def push(
    session: AsyncSession, temporal: Client, context: RequestContext, settings: ApiSettings, body: PushRequest
) -> list[PushView]:
    district = _district_of(context.principal, body.district)
    entries = await whitelist.entries_by_code(session, district.value, body.credit_codes)
    missing = [c for c in body.credit_codes if c not in entries]
    if missing:
        raise NotOnTheList(f"Not on {district.label}'s white list: {', '.join(missing)}.")
    for bank_id in body.bank_ids:
        bank = await organisations.get_organisation(session, bank_id)
        if bank is None or bank.kind != OrganisationKind.BANK:
            raise Unprocessable(f"There is no bank {bank_id!r}.")
        if bank.district not in (None, district):
            raise Unprocessable(f"{bank.name} serves {District(bank.district).label}, not {district.label}.")
    remind_on = working_deadline(today(), settings.push_reminder_working_days).day
    pairs = [(c, b) for c in dict.fromkeys(body.credit_codes) for b in dict.fromkeys(body.bank_ids)]
    waiting = {p: await whitelist_pushes.open_push(session, district.value, *p) for p in pairs}
    await session.commit()  # release the connection while the workflows start
    recorded = Recorded(by=actor_of(context.principal), at=datetime.now(UTC), request_id=context.request_id)

    async def start(entry: WhitelistEntry, bank_id: str) -> None:
        key = f"{context.principal.caller_key}\n{context.idempotency_key or recorded.at.isoformat()}"
        push_id = hashlib.sha256(f"{key}\n{entry.credit_code}\n{bank_id}".encode()).hexdigest()[:24]
        data = PushInput(
            push_id=push_id,
            district=district,
            credit_code=entry.credit_code,
            enterprise_name=entry.name,
            bank_id=bank_id,
            note=body.note,
            pushed=recorded,
            remind_on=remind_on,
        )
        operation: WithStartWorkflowOperation[Any, Any] = WithStartWorkflowOperation(
            PUSH_WORKFLOW_NAME,
            data,
            id=push_workflow_id(push_id),
            task_queue=settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,  # a retry with the same key joins its push
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        async with _STARTING:
            await start_with_update(temporal, context, operation, PUSH_WRITTEN, (), PushState, what="push", verb="made")

    fresh = [(entries[credit_code], bank) for (credit_code, bank), found in waiting.items() if found is None]
    await asyncio.gather(*(start(entry, bank) for entry, bank in fresh))
    rows = await whitelist_pushes.list_pushes(session, district=district.value, bank_id=None, status=None, limit=500)
    return [view_of(r) for r in rows if (r.credit_code, r.bank_id) in waiting and PushStatus(r.status).open]


def _visible(principal: Principal, row: WhitelistPush) -> bool:
    if principal.role in (Role.BANK_OFFICER, Role.BANK_APPROVER):
        return row.bank_id == principal.org_id
    return may_manage(principal, District(row.district))


async def visible_push(session: AsyncSession, principal: Principal, push_id: str) -> WhitelistPush:
    row = await whitelist_pushes.get_push(session, push_id)
    if row is None or not _visible(principal, row):
        raise PushNotFound(f"There is no push {push_id!r} that you can see.")
    return row


async def list_pushes(
    session: AsyncSession, principal: Principal, district: District | None, status: PushStatus | None
) -> list[PushView]:
    """A bank's own pushes; a district office's pushes; an administrator's of a district or all."""
    bank = principal.org_id if principal.role in (Role.BANK_OFFICER, Role.BANK_APPROVER) else None
    if bank is None:
        if principal.role is Role.DISTRICT_REVIEWER:
            district = principal.district
        elif principal.role not in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
            raise Forbidden(
                f"Pushes are seen by the district's office and the bank pushed to, not a {principal.role.label}."
            )
    rows = await whitelist_pushes.list_pushes(
        session, district=district.value if district else None, bank_id=bank, status=status.value if status else None,
        limit=200,
    )  # fmt: skip
    return [view_of(r) for r in rows]


async def answer(
    session: AsyncSession,
    temporal: Client,
    context: RequestContext,
    settings: ApiSettings,
    push_id: str,
    body: AnswerRequest,
) -> PushView:
    principal = context.principal
    row = await visible_push(session, principal, push_id)
    if principal.role is not Role.BANK_OFFICER:
        raise Forbidden("A push is answered by an officer of the bank it was pushed to.")
    if not PushStatus(row.status).open:
        raise Conflict(f"The push was answered already ({PushStatus(row.status).label}).")
    loan_id = None
    if body.accept:
        enterprise = await reference.enterprise_by_credit_code(session, row.credit_code)
        if enterprise is None:
            raise Conflict(
                f"{row.enterprise_name} ({row.credit_code}) is not registered in pledgeflow yet: register it "
                "(POST /enterprises), then accept the push."
            )
        assigned = await roster.assignment_of(session, enterprise.id)  # its station, else the district's first
        stations = await organisations.list_organisations(
            session, kind=OrganisationKind.SERVICE_STATION, district=District(row.district), limit=1
        )
        opened = await loans.open_loan(
            session,
            temporal,
            context,
            OpenLoanRequest(enterprise_id=enterprise.id, note=f"白名单推送 {push_id}"),
            settings,
            loan_id=hashlib.sha256(f"whitelist-push\n{push_id}".encode()).hexdigest()[:16],
            station_id=assigned.station_id if assigned else (stations[0].id if stations else None),
        )
        loan_id = opened.id
    data = AnswerPushInput(
        actor=actor_of(principal), request_id=context.request_id, accept=body.accept, reason=body.reason,
        loan_id=loan_id,
    )  # fmt: skip

    async def closed() -> str:
        return "The push was answered already."

    await send_update(
        temporal, context, push_workflow_id(push_id), ANSWER_PUSH, data, PushState, closed=closed, what="push"
    )
    return view_of(await visible_push(session, principal, push_id))


async def conversion(session: AsyncSession, principal: Principal, district: District | None) -> list[ConversionRow]:
    """Per bank: pushes, answers, and the cases that reached disbursement."""
    if principal.role is Role.DISTRICT_REVIEWER:
        district = principal.district
    elif principal.role not in (Role.CITY_ADMIN, Role.PLATFORM_ADMIN):
        raise Forbidden(f"A push's conversion is the district office's figure, not a {principal.role.label}'s.")
    rows = await whitelist_pushes.conversion(session, district.value if district else None)
    return [ConversionRow(**r.__dict__) for r in rows]
