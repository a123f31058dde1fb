"""Configuration of each pledgeflow process, read from `PLEDGEFLOW_*` environment variables.

One settings class per process (`ApiSettings`, `WorkerSettings`, `MigrateSettings`, `DevSettings`).
Outside development (`PLEDGEFLOW_ENVIRONMENT=production`) secrets have no default: a process refuses to
start when a secret is missing or still a placeholder, and says which variable to set.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.enums import Stage
from contracts.queues import LOANS_TASK_QUEUE
from services.platform.egress import EgressPolicy

# Development-only signing secret for HS256 tokens. Never accepted outside development.
DEV_JWT_SECRET = "pledgeflow-development-secret-do-not-use-in-production"  # noqa: S105 - development only

_PLACEHOLDERS = re.compile(
    r"^(|changeme|change-me|change_me|secret|password|placeholder|todo|xxx+|none|null|example|"
    r"<.*>|\$\{.*\}|pledgeflow-development-secret.*)$",
    re.IGNORECASE,
)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    CONSOLE = "console"
    JSON = "json"


class InsecureConfiguration(ValueError):
    """A production process was given no secret, or a placeholder, where a real one is required."""


def is_placeholder(value: str) -> bool:
    """True when a secret is empty or an obvious placeholder such as `changeme` or `<secret>`."""
    return bool(_PLACEHOLDERS.match(value.strip()))


def _database_password(url: str) -> str | None:
    match = re.match(r"^[a-z0-9+]+://[^:/@]+:([^@]*)@", url)
    return match.group(1) if match else None


class CommonSettings(BaseSettings):
    """What every process reads: environment, database, Temporal, telemetry and logs."""

    model_config = SettingsConfigDict(env_prefix="PLEDGEFLOW_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: SecretStr | None = Field(
        default=None,
        description="PostgreSQL URL, e.g. postgresql://user:pass@host:5432/pledgeflow.",
    )
    temporal_address: str | None = Field(default=None, description="host:port of the Temporal frontend.")
    temporal_namespace: str = "default"
    task_queue: str = Field(default=LOANS_TASK_QUEUE, description="Task queue of the loan workflows.")
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_api_key: SecretStr | None = None
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP traces endpoint, e.g. http://collector:4318."
    )
    log_format: LogFormat | None = Field(default=None, description="console or json; json in production by default.")
    log_level: str = "INFO"
    service_name: str = "pledgeflow"
    webhook_allow_private_addresses: bool = Field(
        default=False,
        description="Let webhooks go to loopback and private addresses (a test receiver on this machine only).",
    )

    @property
    def egress(self) -> EgressPolicy:
        """Where webhooks may go: https to public addresses; http too in development (services/platform/egress)."""
        return EgressPolicy(allow_http=not self.is_production, allow_private=self.webhook_allow_private_addresses)

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def effective_log_format(self) -> LogFormat:
        if self.log_format is not None:
            return self.log_format
        return LogFormat.JSON if self.is_production else LogFormat.CONSOLE

    def require_database_url(self) -> str:
        if self.database_url is None:
            raise InsecureConfiguration("PLEDGEFLOW_DATABASE_URL is not set: say which PostgreSQL to use.")
        return self.database_url.get_secret_value()

    def require_temporal_address(self) -> str:
        if not self.temporal_address:
            raise InsecureConfiguration("PLEDGEFLOW_TEMPORAL_ADDRESS is not set: say which Temporal frontend to use.")
        return self.temporal_address

    @model_validator(mode="after")
    def _check_production_secrets(self) -> Self:
        if not self.is_production:
            return self
        self.require_database_url()
        self.require_temporal_address()
        password = _database_password(self.require_database_url())
        if password is None or is_placeholder(password):
            raise InsecureConfiguration(
                "PLEDGEFLOW_DATABASE_URL has no password or a placeholder one; production needs a real secret."
            )
        if (self.temporal_tls_cert is None) != (self.temporal_tls_key is None):
            raise InsecureConfiguration("PLEDGEFLOW_TEMPORAL_TLS_CERT and PLEDGEFLOW_TEMPORAL_TLS_KEY go together.")
        if self.temporal_api_key is not None and is_placeholder(self.temporal_api_key.get_secret_value()):
            raise InsecureConfiguration("PLEDGEFLOW_TEMPORAL_API_KEY is a placeholder.")
        return self


class JwtAlgorithm(StrEnum):
    HS256 = "HS256"
    RS256 = "RS256"


class ApiSettings(CommonSettings):
    """Settings of the API process (`pledgeflow api`)."""

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    jwt_algorithm: JwtAlgorithm | None = Field(default=None, description="HS256 in development, RS256 in production.")
    jwt_secret: SecretStr | None = Field(default=None, description="HS256 signing secret (development only).")
    jwt_public_key: str | None = Field(default=None, description="PEM public key for RS256.")
    jwt_jwks_url: str | None = Field(default=None, description="JWKS URL of the identity provider for RS256.")
    jwt_issuer: str | None = None
    jwt_audience: str | None = None
    jwt_leeway_seconds: int = 30
    loan_reminder_working_days: int = Field(
        default=5, ge=1, le=60, description="Working days without a visit or step before a case raises a reminder."
    )
    backdating_days: int = Field(
        default=30,
        ge=0,
        le=366,
        description="How many days after it happened a step may be recorded (fixed per loan when its case opens).",
    )
    persist_give_up_seconds: int = Field(
        default=600,
        ge=1,
        le=86400,
        description="How long a step's write is retried (database away) before the step fails cleanly (per loan).",
    )
    registration_working_days: dict[str, int] | None = Field(
        default=None,
        description='Override registration deadlines, e.g. {"patent_online": 2, "patent_paper": 5, ...}.',
    )
    # Three bounds, each inside the next, so that an Idempotency-Key has one answer (README, "Exactly once"):
    # a step waits for its workflow at most `step_timeout_seconds` (then 503, the key freed, the update still
    # running: the retry joins it); a request runs at most `request_timeout_seconds` (then 503); a pending key is
    # taken over by a retry only after `idempotency_pending_seconds`, when its first request is surely over.
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted (413 beyond); 1 MiB is ample."
    )
    documents_dir: Path = Field(
        default=Path(".data/documents"), description="Where uploaded documents are kept, by their SHA-256."
    )
    blob_store: Literal["folder", "s3"] = Field(
        default="folder", description="Where documents' bytes go: `documents_dir`, or an S3-compatible bucket."
    )
    s3_bucket: str | None = Field(default=None, description="blob_store=s3: the bucket (it must exist).")
    s3_prefix: str = Field(default="documents/", description="blob_store=s3: the keys' prefix inside the bucket.")
    s3_endpoint_url: str | None = Field(
        default=None, description="blob_store=s3: the store's URL (MinIO, Ceph, a cloud's S3 API); none for AWS."
    )
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    stalled_working_days: dict[Stage, int] = Field(
        default_factory=dict,
        description="A case idle this many working days is stalled on its station board, per stage, e.g. "
        '{"guidance": 7}; the stages left out keep services/domain/stations/board.STALLED_AFTER.',
    )
    push_reminder_working_days: int = Field(
        default=3, ge=1, le=30, description="A white-list push unanswered this many working days turns overdue."
    )
    max_document_bytes: int = Field(
        default=20 * 1_048_576, ge=1024, le=200 * 1_048_576, description="Largest document accepted (413 beyond)."
    )
    step_timeout_seconds: float = Field(
        default=15, gt=0, description="How long a step waits for the loan's workflow before answering 503."
    )
    request_timeout_seconds: float = Field(
        default=25, gt=0, description="How long any request may run before it is answered 503."
    )
    idempotency_pending_seconds: float = Field(
        default=30,
        gt=0,
        description="How long an unfinished request holds its Idempotency-Key before a retry may take it over.",
    )

    console_session_hours: float = Field(
        default=10, gt=0, le=24, description="How long a console sign-in lasts (a working day, then sign in again)."
    )
    console_dev_sign_in: bool | None = Field(
        default=None,
        description="The console's page to sign in as a demo user: on in development, never in production.",
    )
    console_cookie_secure: bool | None = Field(
        default=None,
        description="Send the session cookie over HTTPS only: on in production (default), off in development.",
    )

    console_oidc_issuer: str | None = Field(
        default=None, description="The organisation's OpenID Connect provider (its issuer URL): the console's sign-in."
    )
    console_oidc_client_id: str | None = None
    console_oidc_client_secret: SecretStr | None = Field(
        default=None, description="Only for a confidential client; PKCE protects the code either way."
    )
    console_oidc_redirect_url: str | None = Field(
        default=None, description="This console's callback as the provider knows it: https://…/console/sign-in/callback"
    )
    console_oidc_role_claim: str = Field(default="pledgeflow_role", description="The ID token's claim with the role.")
    console_oidc_org_claim: str = Field(default="org_id", description="The claim with the organisation's id.")
    console_oidc_district_claim: str = Field(default="district", description="The claim with the district, if any.")

    @property
    def dev_sign_in(self) -> bool:
        return (not self.is_production) if self.console_dev_sign_in is None else self.console_dev_sign_in

    @property
    def cookie_secure(self) -> bool:
        return self.is_production if self.console_cookie_secure is None else self.console_cookie_secure

    @property
    def effective_jwt_algorithm(self) -> JwtAlgorithm:
        if self.jwt_algorithm is not None:
            return self.jwt_algorithm
        return JwtAlgorithm.RS256 if self.is_production else JwtAlgorithm.HS256

    def jwt_hs256_secret(self) -> str:
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        return DEV_JWT_SECRET

    @model_validator(mode="after")
    def _check_bounds(self) -> Self:
        if not self.step_timeout_seconds < self.request_timeout_seconds < self.idempotency_pending_seconds:
            raise ValueError(
                "PLEDGEFLOW_STEP_TIMEOUT_SECONDS < PLEDGEFLOW_REQUEST_TIMEOUT_SECONDS < "
                "PLEDGEFLOW_IDEMPOTENCY_PENDING_SECONDS must hold, or a retry could take over a key whose first "
                "request is still running"
            )
        if self.is_production and self.console_dev_sign_in:
            raise InsecureConfiguration(
                "PLEDGEFLOW_CONSOLE_DEV_SIGN_IN lets anyone sign in as anyone: never in production."
            )
        if self.blob_store == "s3" and not self.s3_bucket:
            raise ValueError("PLEDGEFLOW_BLOB_STORE=s3 needs PLEDGEFLOW_S3_BUCKET")
        return self

    @model_validator(mode="after")
    def _check_jwt(self) -> Self:
        algorithm = self.effective_jwt_algorithm
        if algorithm is JwtAlgorithm.RS256 and not (self.jwt_public_key or self.jwt_jwks_url):
            raise InsecureConfiguration("RS256 needs PLEDGEFLOW_JWT_JWKS_URL or PLEDGEFLOW_JWT_PUBLIC_KEY.")
        if self.is_production:
            if algorithm is not JwtAlgorithm.RS256:
                raise InsecureConfiguration("Production tokens must be RS256 (set PLEDGEFLOW_JWT_JWKS_URL).")
            if self.jwt_issuer is None or self.jwt_audience is None:
                raise InsecureConfiguration("Production needs PLEDGEFLOW_JWT_ISSUER and PLEDGEFLOW_JWT_AUDIENCE.")
        else:
            # An explicitly set secret must be real even in development; leaving it unset uses the dev secret.
            secret = self.jwt_secret.get_secret_value() if self.jwt_secret is not None else DEV_JWT_SECRET
            if secret != DEV_JWT_SECRET and is_placeholder(secret):
                raise InsecureConfiguration("PLEDGEFLOW_JWT_SECRET is a placeholder.")
        return self


class WorkerSettings(CommonSettings):
    """Settings of the worker process (`pledgeflow worker`)."""

    max_concurrent_activities: int = 100
    max_concurrent_workflow_tasks: int = 100
    # Loans kept in memory between their events. A loan wakes a few times a month; one evicted from the cache
    # is rebuilt by replaying its history on its next event, which costs far more than keeping it (measured
    # by `make bench`'s servicing portfolio). Size it to the open loans one worker serves.
    max_cached_workflows: int = 5000
    # Run workflow code inside Temporal's sandbox, which refuses non-deterministic calls (clock, random, I/O) and
    # isolates module state between runs. It is a guard for code, paid on every activation: 2-5 ms of CPU per
    # loan step on the bench machine (README, Performance). The test suite always runs the workflows sandboxed,
    # so a deployment that needs the CPU may turn it off (PLEDGEFLOW_WORKFLOW_SANDBOX=false) and keep the guard
    # in CI; the default keeps it in production too.
    workflow_sandbox: bool = True


class MigrateSettings(CommonSettings):
    """Settings of `pledgeflow migrate` (only the database is needed)."""

    @model_validator(mode="after")
    def _check_production_secrets(self) -> Self:  # Temporal is not needed to migrate.
        if self.is_production:
            password = _database_password(self.require_database_url())
            if password is None or is_placeholder(password):
                raise InsecureConfiguration("PLEDGEFLOW_DATABASE_URL has no password or a placeholder one.")
        return self


class DevSettings(CommonSettings):
    """Settings of `pledgeflow dev`, the embedded stack for a developer's machine."""

    data_dir: Path = Path(".data")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    jwt_secret: SecretStr | None = Field(default=None, description="Signs the printed demo tokens, as in the API.")

    @model_validator(mode="after")
    def _check_development(self) -> Self:
        if self.is_production:
            raise InsecureConfiguration("`pledgeflow dev` is for development only; run api, worker and migrate.")
        return self
