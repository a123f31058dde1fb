"""Bearer JWT authentication: missing, malformed, expired, wrongly signed or incomplete tokens get 401."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from contracts.enums import District, Role
from services.platform.auth import InvalidToken, TokenVerifier, mint_token
from services.platform.settings import ApiSettings, JwtAlgorithm
from tests.conftest import TEST_JWT_SECRET, TokenFor

PROTECTED = "/organisations"


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "u1",
        "role": "bank_officer",
        "org_id": "boc-shenzhen",
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


class TestApiAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.get(PROTECTED)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")

    @pytest.mark.parametrize(
        "authorization",
        [
            "Bearer not-a-jwt",
            "Bearer " + jwt.encode(_claims(), "another-secret-entirely-0123456789", algorithm="HS256"),
            "Bearer " + jwt.encode(_claims(exp=int(time.time()) - 3600), TEST_JWT_SECRET, algorithm="HS256"),
            "Bearer " + jwt.encode(_claims(role="bank_president"), TEST_JWT_SECRET, algorithm="HS256"),
            "Bearer " + jwt.encode(_claims(org_id=None), TEST_JWT_SECRET, algorithm="HS256"),
            "Bearer " + jwt.encode(_claims(exp=None), TEST_JWT_SECRET, algorithm="HS256"),
            "Basic dXNlcjpwYXNz",
        ],
        ids=["malformed", "wrong-signature", "expired", "unknown-role", "no-org", "no-expiry", "basic-auth"],
    )
    async def test_rejected(self, client: httpx.AsyncClient, authorization: str) -> None:
        response = await client.get(PROTECTED, headers={"Authorization": authorization})
        assert response.status_code == 401, response.text
        assert response.json()["title"] == "Authentication required"

    async def test_expired_says_so(self, client: httpx.AsyncClient) -> None:
        token = jwt.encode(_claims(exp=int(time.time()) - 3600), TEST_JWT_SECRET, algorithm="HS256")
        response = await client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})
        assert "expired" in response.json()["detail"]

    async def test_valid(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        response = await client.get(PROTECTED, headers={"Authorization": token_for(Role.BANK_OFFICER, "boc-shenzhen")})
        assert response.status_code == 200

    async def test_wrong_role_is_403(self, client: httpx.AsyncClient, token_for: TokenFor) -> None:
        response = await client.post(
            PROTECTED,
            json={"id": "x-bank", "kind": "bank", "name": "某银行"},
            headers={"Authorization": token_for(Role.BANK_OFFICER, "boc-shenzhen")},
        )
        assert response.status_code == 403
        assert "platform_admin" in response.json()["detail"]


class TestHs256Verifier:
    def test_round_trip_with_district(self) -> None:
        verifier = TokenVerifier.from_settings(ApiSettings(jwt_secret=TEST_JWT_SECRET))
        token = mint_token(
            TEST_JWT_SECRET,
            sub="s",
            role=Role.STATION_SPECIALIST,
            org_id="station-guangming",
            district=District.GUANGMING,
        )
        principal = verifier.verify(token)
        assert principal.role is Role.STATION_SPECIALIST
        assert principal.district is District.GUANGMING

    def test_audience_checked_when_configured(self) -> None:
        verifier = TokenVerifier.from_settings(ApiSettings(jwt_secret=TEST_JWT_SECRET, jwt_audience="pledgeflow"))
        wrong = mint_token(TEST_JWT_SECRET, sub="s", role=Role.BANK_OFFICER, org_id="b", audience="elsewhere")
        with pytest.raises(InvalidToken):
            verifier.verify(wrong)
        right = mint_token(TEST_JWT_SECRET, sub="s", role=Role.BANK_OFFICER, org_id="b", audience="pledgeflow")
        assert verifier.verify(right).org_id == "b"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _rs256(key: rsa.RSAPrivateKey, kid: str | None = None, **claims: object) -> str:
    claims = {"iss": "https://idp.example", "aud": "pledgeflow", **claims}
    return jwt.encode(_claims(**claims), key, algorithm="RS256", headers={"kid": kid} if kid else None)


@pytest.fixture
def jwks_url(rsa_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """An identity provider's JWKS endpoint, served on loopback."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key.public_key()))
    jwk.update({"kid": "k1", "use": "sig", "alg": "RS256"})
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()
    server.server_close()


class TestRs256Verifier:
    def test_public_key(self, rsa_key: rsa.RSAPrivateKey) -> None:
        pem = (
            rsa_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        settings = ApiSettings(
            jwt_algorithm=JwtAlgorithm.RS256,
            jwt_public_key=pem,
            jwt_issuer="https://idp.example",
            jwt_audience="pledgeflow",
        )
        verifier = TokenVerifier.from_settings(settings)
        assert verifier.verify(_rs256(rsa_key)).sub == "u1"
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with pytest.raises(InvalidToken):
            verifier.verify(_rs256(other))
        with pytest.raises(InvalidToken):  # an HS256 token must not pass an RS256 verifier
            verifier.verify(mint_token(TEST_JWT_SECRET, sub="s", role=Role.BANK_OFFICER, org_id="b"))

    def test_jwks(self, rsa_key: rsa.RSAPrivateKey, jwks_url: str) -> None:
        settings = ApiSettings(
            jwt_algorithm=JwtAlgorithm.RS256,
            jwt_jwks_url=jwks_url,
            jwt_issuer="https://idp.example",
            jwt_audience="pledgeflow",
        )
        verifier = TokenVerifier.from_settings(settings)
        assert verifier.verify(_rs256(rsa_key, kid="k1")).org_id == "boc-shenzhen"
        with pytest.raises(InvalidToken):
            verifier.verify(_rs256(rsa_key, kid="k1", iss="https://evil.example"))
