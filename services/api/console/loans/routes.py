"""The console's loan pages: the case list (filters, sort and page in the URL) and the loan page (parties, stage,
the caller's party view, the steps the caller may take now and those not yet with the API's reason, the timeline
and the schedule). Reads through the same service functions and visibility policy as `GET /loans`."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from contracts.base import STEP_WRONG_STAGE
from contracts.enums import Stage
from contracts.loan_state import LoanState
from contracts.types import STORABLE, TRUSTED
from services.api.console.frame.i18n import Lang, word
from services.api.console.frame.render import not_found, render
from services.api.console.frame.session import ViewerDep
from services.api.console.loans.steps import CONSOLE_STEPS
from services.api.dependencies import SessionDep, actor_of
from services.api.loans import party_views, service, timeline_policy, views
from services.api.loans.dependencies import get_visible_loan_and_names
from services.api.loans.exceptions import LoanNotFound, NotInYourView
from services.api.loans.schemas import ScheduleLineView
from services.api.params import IdPath
from services.domain.loan_rules import StepRejected, actions_of_party
from services.store import loans as repository

router = APIRouter(prefix="/console/loans", include_in_schema=False)

PAGE_SIZE = 25
STAGE_CHOICES = tuple((stage.value, stage.label) for stage in Stage)  # the stage filter's options, made once
StageParam = Annotated[Stage | None, Query()]


@router.get("", response_class=HTMLResponse)
async def case_list(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    stage: StageParam = None,
    q: Annotated[Annotated[str, STORABLE] | None, Query(max_length=50)] = None,
    show: Annotated[Literal["open", "ended", "all"], Query()] = "open",
    sort: Annotated[Literal["opened", "activity"], Query()] = "activity",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The caller's cases, open ones by default, latest activity first, a page at a time: the filters, the order
    and the page (the API's cursor) live in the URL, as `GET /loans` takes them."""
    assert viewer.principal is not None
    flt = repository.LoanFilter(
        stage=stage.value if stage else None,
        search=(q or "").strip() or None,
        active={"open": True, "ended": False, "all": None}[show],
        order=sort,
    )
    page = await service.list_loans(session, viewer.principal, flt, cursor, PAGE_SIZE)
    query = {"stage": stage.value if stage else "", "q": q or "", "show": show, "sort": sort}
    template = "loans/_rows.html" if request.headers.get("HX-Request") else "loans/list.html"
    return render(
        request,
        template,
        viewer,
        page=page,
        stages=STAGE_CHOICES,
        query=query,
        query_string=urlencode(query),
        cursor=cursor,
        may_open=viewer.principal.role in service.CASE_OPENERS,
    )


def _why(refusal: StepRejected, state: LoanState, lang: Lang) -> str:
    """A refusal's gist in the page's language; the API's own words follow it (in English)."""
    if refusal.kind == STEP_WRONG_STAGE:
        return word("why_stage", lang).format(stage=state.stage.label)
    return word("why_rule", lang)


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
        return not_found(request, viewer)
    timeline = await views.timeline(session, principal, loan)
    schedule: list[ScheduleLineView] | None
    try:
        schedule = await views.schedule(session, principal, loan)
    except NotInYourView:
        schedule = None
    state = LoanState.model_validate(loan.state, context=TRUSTED)
    view = party_views.loan_view(principal, loan, names, state)
    offered = [
        (action, None if refusal is None else (_why(refusal, state, viewer.lang), refusal.message))
        for action, refusal in actions_of_party(actor_of(principal), state)
    ]
    shown: dict[str, Any] = view.model_dump()
    return render(
        request,
        "loans/page.html",
        viewer,
        loan=shown,
        view=view,
        offered=offered,
        in_console=set(CONSOLE_STEPS),
        timeline=[(entry, timeline_policy.neutral(entry.kind)) for entry in timeline],
        schedule=schedule,
    )
