"""`/console/stations/{id}/members`: a station's roster (specialists, partner banks' account managers), with the
district office's form that adds or changes a person; and the office's form on an enterprise's service record that
assigns it to a station and specialist. Every write goes through the API's roster service."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contracts.enums import OrganisationKind, Role
from contracts.stations import AssignmentRequest, MemberKind, MemberRequest
from contracts.types import ID_PATTERN
from services.api.console.frame.forms import Refusal, attempt, form_text
from services.api.console.frame.render import Viewer, render
from services.api.console.frame.session import ViewerDep, posted
from services.api.console.stations.routes import record_page
from services.api.dependencies import ResourcesDep, SessionDep
from services.api.params import IdPath
from services.api.stations import roster
from services.store import organisations

router = APIRouter(prefix="/console", include_in_schema=False)

OFFICE = (Role.DISTRICT_REVIEWER, Role.CITY_ADMIN, Role.PLATFORM_ADMIN)


async def _page(
    request: Request, viewer: Viewer, session: Any, station_id: str, refusal: str | None = None, status: int = 200
) -> HTMLResponse:
    assert viewer.principal is not None
    found = await roster.roster_of(session, viewer.principal, station_id)
    banks = await organisations.list_organisations(session, kind=OrganisationKind.BANK, district=None, limit=200)
    return render(
        request, "stations/members.html", viewer, status=status, roster=found, refusal=refusal,
        office=viewer.principal.role in OFFICE, kinds=list(MemberKind),
        banks=[b for b in banks if b.district in (None, found.district)], bank_names={b.id: b.name for b in banks},
    )  # fmt: skip


@router.get("/stations/{station_id}/members", response_class=HTMLResponse)
async def members_page(request: Request, viewer: ViewerDep, session: SessionDep, station_id: IdPath) -> Response:
    return await _page(request, viewer, session, station_id)


@router.post("/stations/{station_id}/members", response_class=HTMLResponse)
async def put_member(
    request: Request, viewer: ViewerDep, session: SessionDep, resources: ResourcesDep, station_id: IdPath
) -> Response:
    assert viewer.principal is not None
    form, context = await posted(request, viewer.principal, resources)

    async def act() -> None:
        member_id = form_text(form, "id") or ""
        body = MemberRequest.model_validate(
            {name: form_text(form, name) for name in ("name", "kind", "sub", "bank_id", "phone")}
            | {"active": form.get("active") == "on"}
        )
        if re.fullmatch(ID_PATTERN, member_id) is None:  # as the API's path takes it
            raise roster.RosterRefused("The id is lowercase letters, digits and dashes, e.g. zhou-guangming.")
        await roster.put_member(session, context, station_id, member_id, body)

    if isinstance(refused := await attempt(session, act), Refusal):
        return await _page(request, viewer, session, station_id, refused.detail, refused.status)
    return RedirectResponse(f"/console/stations/{station_id}/members", status_code=303)


@router.post("/enterprises/{enterprise_id}/assignment", response_class=HTMLResponse)
async def assign(
    request: Request, viewer: ViewerDep, session: SessionDep, resources: ResourcesDep, enterprise_id: IdPath
) -> Response:
    assert viewer.principal is not None
    form, context = await posted(request, viewer.principal, resources)
    station_id, _, specialist_id = (form_text(form, "choice") or "").partition("/")

    async def act() -> None:
        body = AssignmentRequest(station_id=station_id, specialist_id=specialist_id or None)
        await roster.assign(session, context, enterprise_id, body)

    if isinstance(refused := await attempt(session, act), Refusal):
        return await record_page(request, viewer, session, enterprise_id, refused.detail, refused.status)
    return RedirectResponse(f"/console/enterprises/{enterprise_id}/service-record", status_code=303)
