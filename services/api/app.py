"""The FastAPI application: routers, middleware, error handlers and the resources held for its lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from contracts.problems import PROBLEM_MEDIA_TYPE, Problem
from services.api.body_guard import BodyGuardMiddleware
from services.api.console.router import install_console
from services.api.disposals.router import router as disposals_router
from services.api.documents.router import router as documents_router
from services.api.enterprises.router import router as enterprises_router
from services.api.errors import install_error_handlers
from services.api.health.router import router as health_router
from services.api.idempotency import IdempotencyMiddleware, KeyLedger
from services.api.loans.router import router as loans_router
from services.api.middleware import RequestContextMiddleware
from services.api.organisations.router import router as organisations_router
from services.api.portfolio.router import router as portfolio_router
from services.api.products.router import router as products_router
from services.api.service_records.router import router as service_records_router
from services.api.state import AppResources
from services.api.stations.roster_routes import router as roster_router
from services.api.stations.router import router as stations_router
from services.api.subsidies.router import router as subsidies_router
from services.api.subsidy_claims.router import router as subsidy_claims_router
from services.api.visits.router import router as visits_router
from services.api.webhooks.router import router as webhooks_router
from services.api.whitelist.push_routes import router as push_router
from services.api.whitelist.router import router as whitelist_router
from services.platform.auth import TokenVerifier
from services.platform.settings import ApiSettings
from services.platform.temporal import connect_temporal
from services.store.db import create_engine, session_factory

API_VERSION = "0.1.0"
DESCRIPTION = """\
pledgeflow runs intellectual-property pledge loans (知识产权质押融资) from the first door-to-door visit to
the last repayment. Every loan is one durable workflow; each party advances its own steps here.

Authenticate with `Authorization: Bearer <JWT>` (claims `sub`, `role`, `org_id`, `district`). Every POST
accepts an `Idempotency-Key` header: a retry with the same key and body returns the first answer and acts
once. Every error is `application/problem+json` (RFC 9457).
"""

ResourcesFactory = Callable[[ApiSettings], AbstractAsyncContextManager[AppResources]]


@asynccontextmanager
async def build_resources(settings: ApiSettings) -> AsyncIterator[AppResources]:
    """Engine, Temporal client and token verifier for the app's lifetime; the engine is disposed at the end."""
    engine = create_engine(settings.require_database_url())
    # Lazy: the API starts (and /readyz says why it is not ready) even while Temporal is still coming up.
    temporal = await connect_temporal(settings, lazy=True)
    try:
        yield AppResources(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            temporal=temporal,
            verifier=TokenVerifier.from_settings(settings),
        )
    finally:
        await engine.dispose()


def create_app(settings: ApiSettings, *, resources_factory: ResourcesFactory = build_resources) -> FastAPI:
    ledger = KeyLedger(
        lambda: app.state.resources.sessions, lease=timedelta(seconds=settings.idempotency_pending_seconds)
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with resources_factory(settings) as resources:
            app.state.resources = resources
            ledger.start()
            try:
                yield
            finally:
                await ledger.stop()

    app = FastAPI(title="pledgeflow", version=API_VERSION, description=DESCRIPTION, lifespan=lifespan)
    app.state.key_ledger = ledger
    install_error_handlers(app)
    app.add_middleware(
        IdempotencyMiddleware,
        sessions=lambda: app.state.resources.sessions,
        verifier=lambda: app.state.resources.verifier,
        ledger=ledger,
    )
    app.add_middleware(
        BodyGuardMiddleware, max_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_document_bytes
    )
    app.add_middleware(RequestContextMiddleware, timeout=settings.request_timeout_seconds)
    app.include_router(health_router)
    app.include_router(organisations_router)
    app.include_router(enterprises_router)
    app.include_router(products_router)
    app.include_router(loans_router)
    app.include_router(disposals_router)
    app.include_router(portfolio_router)
    app.include_router(subsidies_router)
    app.include_router(documents_router)
    app.include_router(stations_router)
    app.include_router(roster_router)
    app.include_router(visits_router)
    app.include_router(service_records_router)
    app.include_router(push_router)  # before /whitelist/{...}: its paths are more specific
    app.include_router(whitelist_router)
    app.include_router(subsidy_claims_router)
    app.include_router(webhooks_router)
    install_console(app)
    _document_problems(app)
    return app


def _document_body_problems(operation: dict[str, Any]) -> None:
    """What the body guard answers before the route runs (services/api/body_guard.py)."""
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    responses = operation.setdefault("responses", {})
    for status, description in (
        ("400", "The body is not UTF-8, or is nested too deeply"),
        ("413", "The body is too large"),
        ("415", "The body is not JSON"),
    ):
        responses.setdefault(status, {"description": description, "content": problem})


def _document_problems(app: FastAPI) -> None:
    """Add the `Problem` schema the error responses refer to, and the `Idempotency-Key` header of POSTs."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schemas["Problem"].pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        for schema_name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(schema_name, None)
        for path in schema.get("paths", {}).values():
            for method, operation in path.items():
                if method in ("post", "put"):
                    _document_body_problems(operation)
                if method == "post":
                    operation.setdefault("parameters", []).append(
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "description": "Makes a retry act once: same key and body → the first response again.",
                            "schema": {"type": "string", "maxLength": 255},
                        }
                    )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
