"""Entry point of the `pledgeflow` command; each sub-command runs one process, as a deployment would."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from contracts.enums import District, Role
from services.platform.settings import ApiSettings, InsecureConfiguration, MigrateSettings, WorkerSettings

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "contracts" / "openapi.json"


def _cmd_dev(_: argparse.Namespace) -> int:
    from services.cli.dev import run_dev

    return run_dev()


def _cmd_api(_: argparse.Namespace) -> int:
    import uvicorn

    from services.api.app import create_app
    from services.platform.logging import configure_logging
    from services.platform.telemetry import configure_tracing

    settings = ApiSettings()
    configure_logging(settings.effective_log_format, settings.log_level)
    configure_tracing(settings, "api")
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )
    return 0


def _cmd_worker(_: argparse.Namespace) -> int:
    from services.workflows.worker import run_worker

    asyncio.run(run_worker(WorkerSettings()))
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from services.store.migrate import upgrade

    upgrade(MigrateSettings().require_database_url(), args.revision)
    print(f"database migrated to {args.revision}")
    return 0


def _cmd_seed(_: argparse.Namespace) -> int:
    from services.store.seed import seed_database

    count = asyncio.run(seed_database(MigrateSettings().require_database_url()))
    print(f"demo reference data loaded ({count} rows)")
    return 0


def _cmd_token(args: argparse.Namespace) -> int:
    from services.platform.auth import mint_token

    settings = ApiSettings()
    if settings.is_production:
        print(
            "pledgeflow token mints development tokens only; production tokens come from the identity provider.",
            file=sys.stderr,
        )
        return 2
    token = mint_token(
        settings.jwt_hs256_secret(),
        sub=args.sub or f"dev-{args.role}",
        role=Role(args.role),
        org_id=args.org,
        district=District(args.district) if args.district else None,
        ttl_seconds=args.ttl,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    print(token)
    return 0


async def _verify(url: str) -> int:
    from services.store.audit import verify_chains
    from services.store.db import create_engine, session_factory

    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            result = await verify_chains(session)
    finally:
        await engine.dispose()
    print(f"audit trail: {result.records} records in {result.chains} chains")
    if result.ok:
        print("every chain verifies")
        return 0
    first = result.broken[0]
    for link in result.broken:
        print(f"BROKEN chain {link.chain} at record {link.seq} (id {link.record_id}): {link.reason}")
    print(f"first broken link: chain {first.chain}, record {first.seq}", file=sys.stderr)
    return 1


def _cmd_audit_verify(_: argparse.Namespace) -> int:
    return asyncio.run(_verify(MigrateSettings().require_database_url()))


def _cmd_whitelist_import(args: argparse.Namespace) -> int:
    from services.cli.whitelist import main as import_whitelist

    limit = ApiSettings().max_document_bytes
    url = MigrateSettings().require_database_url()
    return import_whitelist(url, args.file, args.district, args.commit, args.by, limit)


def render_openapi() -> str:
    from services.api.app import create_app

    schema = create_app(ApiSettings()).openapi()
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _cmd_openapi(args: argparse.Namespace) -> int:
    rendered = render_openapi()
    target = Path(args.output)
    if args.check:
        if not target.exists() or target.read_text() != rendered:
            print(f"{target} is out of date: run `pledgeflow openapi`", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    target.write_text(rendered)
    print(f"wrote {target}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from services.cli.demo import run_demo

    settings = ApiSettings()
    if settings.is_production:
        print("pledgeflow demo mints development tokens and is for development only.", file=sys.stderr)
        return 2
    return run_demo(args.api, settings.jwt_hs256_secret())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pledgeflow", description="IP pledge-loan workflow service")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="start PostgreSQL, Temporal, the worker and the API on this machine").set_defaults(
        func=_cmd_dev
    )
    sub.add_parser("api", help="run the API process").set_defaults(func=_cmd_api)
    sub.add_parser("worker", help="run a worker process").set_defaults(func=_cmd_worker)
    migrate = sub.add_parser("migrate", help="apply the database migrations")
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(func=_cmd_migrate)
    sub.add_parser("seed", help="load the demo reference data").set_defaults(func=_cmd_seed)
    token = sub.add_parser("token", help="mint a development bearer token")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--org", required=True, help="organisation id, e.g. boc-shenzhen")
    token.add_argument("--district", choices=[d.value for d in District])
    token.add_argument("--sub", help="subject (user id); default dev-<role>")
    token.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    token.set_defaults(func=_cmd_token)
    audit = sub.add_parser("audit", help="audit-trail tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check every hash chain; name the first broken link").set_defaults(
        func=_cmd_audit_verify
    )
    whitelist = sub.add_parser("whitelist", help="a district's white list of enterprises")
    whitelist_sub = whitelist.add_subparsers(dest="whitelist_command", required=True)
    importing = whitelist_sub.add_parser("import", help="import a white-list file (CSV or XLSX), with its report")
    importing.add_argument("file", help="the file: CSV (UTF-8 or GB18030) or an Excel workbook, a header row first")
    importing.add_argument("--district", required=True, choices=[d.value for d in District])
    importing.add_argument("--commit", action="store_true", help="write it to the list at once (else: for review)")
    importing.add_argument("--by", default="cli", help="who runs it (for the audit trail)")
    importing.set_defaults(func=_cmd_whitelist_import)
    from services.cli.demo_caller import default_api

    demo = sub.add_parser("demo", help="drive one demo loan from a new case to disbursement through the API")
    demo.add_argument("--api", default=default_api(), help="API base URL (default: the local API)")
    demo.set_defaults(func=_cmd_demo)
    openapi = sub.add_parser("openapi", help="export the OpenAPI document to contracts/openapi.json")
    openapi.add_argument("--output", default=str(OPENAPI_PATH))
    openapi.add_argument("--check", action="store_true", help="fail if the file differs from the app")
    openapi.set_defaults(func=_cmd_openapi)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except InsecureConfiguration as exc:
        print(f"pledgeflow: refusing to start: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        # Settings validators raise InsecureConfiguration, which pydantic reports as a ValidationError.
        reasons = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        print(f"pledgeflow: refusing to start: {reasons}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
