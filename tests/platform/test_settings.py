"""Production configuration: secrets have no default and placeholders are refused at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.cli.main import main
from services.platform.settings import (
    ApiSettings,
    Environment,
    JwtAlgorithm,
    LogFormat,
    MigrateSettings,
    WorkerSettings,
    is_placeholder,
)

PROD_DB = "postgresql://pledgeflow:S3cure-enough-Pa55@db.internal:5432/pledgeflow"


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("DATABASE_URL", "TEMPORAL_ADDRESS", "JWT_SECRET", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
        monkeypatch.delenv(f"PLEDGEFLOW_{name}", raising=False)
    monkeypatch.setenv("PLEDGEFLOW_ENVIRONMENT", "production")
    return monkeypatch


class TestDevelopmentDefaults:
    def test_defaults(self) -> None:
        settings = ApiSettings()
        assert settings.environment is Environment.DEVELOPMENT
        assert settings.effective_jwt_algorithm is JwtAlgorithm.HS256
        assert settings.effective_log_format is LogFormat.CONSOLE
        assert (settings.dev_sign_in, settings.cookie_secure) == (True, False)
        assert settings.api_port == 8000

    def test_explicit_placeholder_secret_refused_even_in_development(self) -> None:
        with pytest.raises(ValidationError, match="placeholder"):
            ApiSettings(jwt_secret="changeme")


@pytest.mark.usefixtures("production")
class TestProduction:
    def test_missing_database_url(self) -> None:
        with pytest.raises(ValidationError, match="PLEDGEFLOW_DATABASE_URL is not set"):
            WorkerSettings(temporal_address="temporal:7233")

    @pytest.mark.parametrize("password", ["", "changeme", "password", "<db-password>", "${DB_PASSWORD}"])
    def test_placeholder_database_password(self, password: str) -> None:
        with pytest.raises(ValidationError, match="placeholder"):
            WorkerSettings(
                database_url=f"postgresql://pledgeflow:{password}@db:5432/pledgeflow", temporal_address="t:7233"
            )

    def test_hs256_refused(self) -> None:
        with pytest.raises(ValidationError, match="RS256"):
            ApiSettings(
                database_url=PROD_DB,
                temporal_address="t:7233",
                jwt_algorithm=JwtAlgorithm.HS256,
                jwt_secret="a-real-looking-secret-of-sufficient-length",
            )

    def test_rs256_needs_key_issuer_audience(self) -> None:
        with pytest.raises(ValidationError, match="JWKS"):
            ApiSettings(database_url=PROD_DB, temporal_address="t:7233")
        with pytest.raises(ValidationError, match="ISSUER"):
            ApiSettings(database_url=PROD_DB, temporal_address="t:7233", jwt_jwks_url="https://idp/jwks")

    def test_complete_production_configuration(self) -> None:
        settings = ApiSettings(
            database_url=PROD_DB,
            temporal_address="temporal.internal:7233",
            jwt_jwks_url="https://idp/jwks",
            jwt_issuer="https://idp",
            jwt_audience="pledgeflow",
        )
        assert settings.effective_jwt_algorithm is JwtAlgorithm.RS256
        assert settings.effective_log_format is LogFormat.JSON
        assert MigrateSettings(database_url=PROD_DB).require_database_url() == PROD_DB
        assert (settings.dev_sign_in, settings.cookie_secure) == (False, True)  # the console: no demo users, HTTPS

    def test_the_consoles_demo_sign_in_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="CONSOLE_DEV_SIGN_IN"):
            ApiSettings(
                database_url=PROD_DB,
                temporal_address="temporal.internal:7233",
                jwt_jwks_url="https://idp/jwks",
                jwt_issuer="https://idp",
                jwt_audience="pledgeflow",
                console_dev_sign_in=True,
            )

    @pytest.mark.parametrize(
        "command", [["worker"], ["api"], ["migrate"], ["dev"], ["token", "--role", "enterprise", "--org", "x"]]
    )
    def test_processes_refuse_to_start(self, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
        assert main(command) == 2
        assert "refusing to start" in capsys.readouterr().err or command[0] == "token"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("changeme", True), ("", True), ("<secret>", True), ("xxxx", True), ("k8Jq-3mZ-real", False)],
)
def test_is_placeholder(value: str, expected: bool) -> None:
    assert is_placeholder(value) is expected
