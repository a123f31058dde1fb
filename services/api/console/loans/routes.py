"""The console's loan pages: the case list (filters, sort and page in the URL) and the loan page (parties, stage,
the caller's party view, the steps the caller may take now and those not yet with the API's reason, the timeline
and the schedule). Reads through the same service functions and visibility policy as `GET /loans`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from contracts.enums import Stage
from contracts.loan_state import LoanState
from contracts.types import TRUSTED
from services.api.console.frame.render import render
from services.api.console.frame.session import ViewerDep
from services.api.console.loans.opening import OPENERS
from services.api.console.loans.steps import CONSOLE_STEPS
from services.api.dependencies import SessionDep, actor_of
from services.api.loans import party_views, service, views
from services.api.loans.dependencies import get_visible_loan_and_names
from services.api.loans.exceptions import LoanNotFound, NotInYourView
from services.api.loans.schemas import ScheduleLineView
from services.api.params import IdPath
from services.domain.loan_rules import actions_of_party
from services.store import loans as repository

router = APIRouter(prefix="/console/loans", include_in_schema=False)

PAGE_SIZE = 25
StageParam = Annotated[Stage | None, Query()]


@router.get("", response_class=HTMLResponse)
async def case_list(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    stage: StageParam = None,
    enterprise: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9._-]*$")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The caller's cases, newest first, a page at a time (the page is the API's cursor, kept in the URL)."""
    assert viewer.principal is not None
    flt = repository.LoanFilter(stage=stage.value if stage else None, enterprise_id=enterprise or None)
    page = await service.list_loans(session, viewer.principal, flt, cursor, PAGE_SIZE)
    query = {"stage": stage.value if stage else "", "enterprise": enterprise or ""}
    template = "loans/_rows.html" if request.headers.get("HX-Request") else "loans/list.html"
    may_open = viewer.principal.role in OPENERS
    return render(
        request, template, viewer, page=page, stages=list(Stage), query=query, cursor=cursor, may_open=may_open
    )


@router.get("/{loan_id}", response_class=HTMLResponse)
async def loan_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    loan_id: IdPath,
) -> Response:
    assert viewer.principal is not None
    principal = viewer.principal
    try:
        loan, names = await get_visible_loan_and_names(loan_id, session, principal)
    except LoanNotFound:
        return render(request, "frame/error.html", viewer, status=404, title_key="not_found", text_key="not_found_text")
    timeline = await views.timeline(session, principal, loan)
    schedule: list[ScheduleLineView] | None
    try:
        schedule = await views.schedule(session, principal, loan)
    except NotInYourView:
        schedule = None
    view = party_views.loan_view(principal, loan, names)
    state = LoanState.model_validate(loan.state, context=TRUSTED)
    offered = actions_of_party(actor_of(principal), state)
    shown: dict[str, Any] = view.model_dump()
    return render(
        request,
        "loans/page.html",
        viewer,
        loan=shown,
        view=view,
        offered=offered,
        in_console=set(CONSOLE_STEPS),
        timeline=timeline,
        schedule=schedule,
    )
