"""`pledgeflow token` mints a development token the API accepts."""

from __future__ import annotations

import pytest

from contracts.enums import District, Role
from services.cli.main import main
from services.platform.auth import TokenVerifier
from services.platform.settings import ApiSettings


def test_token_verifies(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLEDGEFLOW_JWT_SECRET", raising=False)
    assert main(["token", "--role", "station_specialist", "--org", "station-guangming", "--district", "guangming"]) == 0
    token = capsys.readouterr().out.strip()
    principal = TokenVerifier.from_settings(ApiSettings()).verify(token)
    assert principal.role is Role.STATION_SPECIALIST
    assert principal.org_id == "station-guangming"
    assert principal.district is District.GUANGMING


def test_unknown_role_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["token", "--role", "bank_president", "--org", "x"])
    assert "invalid choice" in capsys.readouterr().err
