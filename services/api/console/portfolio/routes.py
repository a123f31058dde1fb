"""The watch list (loans by classification, overdue, next due; filters as `GET /loans`, kept in the URL) and the
portfolio chart (the figures of `GET /portfolio`, drawn by ECharts with a table of the same figures under it)."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from contracts.enums import RiskTier, Stage
from services.api.console.frame.render import render
from services.api.console.frame.session import ViewerDep
from services.api.dependencies import SessionDep
from services.api.loans import service as loans
from services.api.portfolio import service as portfolio
from services.store import loans as repository

router = APIRouter(prefix="/console", include_in_schema=False)

WATCH_PAGE = 50


@router.get("/watch", response_class=HTMLResponse)
async def watch_list(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    classification: Annotated[RiskTier | None, Query()] = None,
    overdue: Annotated[bool | None, Query()] = None,
    stage: Annotated[Stage | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    assert viewer.principal is not None
    flt = repository.LoanFilter(
        stage=stage.value if stage else None,
        classification=classification.value if classification else None,
        overdue=overdue,
    )
    page = await loans.list_loans(session, viewer.principal, flt, cursor, WATCH_PAGE)
    due = await portfolio.next_due(session, [item.id for item in page.items])
    figures = await portfolio.portfolio(session, viewer.principal)
    query = {
        "classification": classification.value if classification else "",
        "overdue": "" if overdue is None else str(overdue).lower(),
        "stage": stage.value if stage else "",
    }
    return render(
        request,
        "portfolio/watch.html",
        viewer,
        page=page,
        due=due,
        tiers=list(RiskTier),
        stages=list(Stage),
        figures=figures,
        query=query,
        query_string=urlencode(query),
        cursor=cursor,
    )


@router.get("/portfolio", response_class=HTMLResponse)
async def portfolio_page(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    assert viewer.principal is not None
    figures = await portfolio.portfolio(session, viewer.principal)
    chart = {
        "by_stage": [{"name": g.label, "value": g.loans} for g in figures.by_stage],
        "by_classification": [{"name": g.label, "value": g.loans} for g in figures.by_classification],
    }
    return render(request, "portfolio/chart.html", viewer, figures=figures, chart=json.dumps(chart, ensure_ascii=False))
