"""Rendering a console page: one Jinja2 environment over every area's `templates/` folder (autoescaped), the
filters for money and time, and the context every page gets (who is signed in, the language, the CSRF token)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from services.api.console.frame import formatting
from services.api.console.frame.i18n import (
    ACTIONS,
    CLAIM_ACTIONS,
    LANGS,
    WORDS,
    Lang,
    action_label,
    field_label,
    word,
)
from services.platform.auth import Principal

CONSOLE = Path(__file__).resolve().parents[1]
LANG_COOKIE = "pledgeflow_lang"


@cache
def environment(lang: Lang) -> Environment:
    """The templates of one language: its words are filters (`'cases' | t`, `action | act`, `name | field_label`)
    bound to that language, made markup once. The console's own words hold no markup characters
    (tests/api/console/test_frame.py checks), so they are not escaped again on every use; and a filter is called
    directly by the compiled template, where a function passed in the context would go through Jinja's slower
    run-time call (a case list uses some sixty words)."""
    folders = sorted(str(path) for path in CONSOLE.glob("*/templates"))
    env = Environment(
        loader=FileSystemLoader(folders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship inside the package and change only with a new release: no stat() per page to see
        # whether a template file changed (restart the API to see an edited template).
        auto_reload=False,
    )
    env.filters["money"] = formatting.money
    env.filters["day"] = formatting.day
    env.filters["moment"] = formatting.moment
    words = {key: Markup(word(key, lang)) for key in WORDS}  # noqa: S704  our own words, checked
    actions = {key: Markup(action_label(key, lang)) for key in ACTIONS}  # noqa: S704  our own words, checked
    env.filters["t"] = words.__getitem__
    env.filters["act"] = lambda action: actions[str(action)]
    claim_actions = {key: Markup(zh if lang == "zh" else en) for key, (zh, en) in CLAIM_ACTIONS.items()}  # noqa: S704
    env.filters["claim_act"] = lambda action: claim_actions[str(action)]
    # Our words, or the name of a field of our models where it has no label.
    env.filters["field_label"] = lambda name: Markup(field_label(name, lang))  # noqa: S704
    return env


def language(request: Request) -> Lang:
    chosen = request.cookies.get(LANG_COOKIE)
    return "en" if chosen == "en" else "zh"


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a page: the signed-in person (None on the sign-in page) and their form token."""

    principal: Principal | None
    csrf: str
    lang: Lang


def render(request: Request, template: str, viewer: Viewer, status: int = 200, **context: Any) -> HTMLResponse:
    lang = viewer.lang
    page = (
        environment(lang)
        .get_template(template)
        .render(
            request=request,
            user=viewer.principal,
            csrf=viewer.csrf,
            lang=lang,
            other_lang=next(code for code in LANGS if code != lang),
            **context,
        )
    )
    headers = {
        "Cache-Control": "no-store",
        # Everything comes from this server; inline scripts are not needed and not allowed.
        "Content-Security-Policy": (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    return HTMLResponse(page, status_code=status, headers=headers)


def not_found(request: Request, viewer: Viewer) -> HTMLResponse:
    """The page for a loan, step or list that is not there, or not the caller's to see (the API's 404)."""
    return render(
        request, "frame/error.html", viewer, status=404, title_key="not_found", text_key="not_found_text", detail=None
    )


# A console page's failure, by the status the API's own error handling gave it: its title and gist.
_PROBLEM_WORDS = {
    400: ("request_refused", "request_refused_text"),
    404: ("not_found", "not_found_text"),
    409: ("cannot_now", "request_refused_text"),
    422: ("request_refused", "request_refused_text"),
    503: ("unavailable", "unavailable_text"),
}
_KEPT_HEADERS = ("retry-after", "allow")


def problem_page(request: Request, status: int, detail: str, headers: Mapping[str, str]) -> HTMLResponse:
    """The page (or, for an htmx request, the fragment) saying what the API would have said in problem+json: the
    gist in the page's language, then the API's own message."""
    viewer = Viewer(principal=None, csrf="", lang=language(request))
    title_key, text_key = _PROBLEM_WORDS.get(status, ("error", "error_text"))
    template = "frame/_problem.html" if request.headers.get("HX-Request") else "frame/error.html"
    page = render(request, template, viewer, status=status, title_key=title_key, text_key=text_key, detail=detail)
    for name in _KEPT_HEADERS:
        if name in headers:
            page.headers[name] = headers[name]
    return page


def form_refused(request: Request) -> HTMLResponse:
    """The 403 page of a form without its CSRF token (or a sign-in form not from this console): nothing was done."""
    viewer = Viewer(principal=None, csrf="", lang=language(request))
    return render(
        request, "frame/error.html", viewer, status=403, title_key="error", text_key="csrf_refused", detail=None
    )
