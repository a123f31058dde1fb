"""An OpenID Connect provider for the console's sign-in tests: the outside world (an organisation's identity
provider), faked behind the same protocol and served over HTTP on a free port.

It signs in whoever `person` names without asking (as a provider would after its own login page), issues one-time
codes bound to the PKCE challenge and the redirect URI, and signs ID tokens (RS256) with a key it publishes."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Query
from fastapi.responses import JSONResponse, RedirectResponse

from tests.api.console.browser import serve_app


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeProvider:
    issuer: str = ""
    client_id: str = "pledgeflow-console"
    person: dict[str, Any] = field(default_factory=dict)  # the claims of whoever signs in next
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    redeemed: list[str] = field(default_factory=list)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, str]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
            }

        @app.get("/jwks")
        async def jwks() -> dict[str, Any]:
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return {"keys": [public | {"kid": "k1", "use": "sig", "alg": "RS256"}]}

        @app.get("/authorize")
        async def authorize(
            client_id: str,
            redirect_uri: str,
            state: str,
            nonce: str,
            code_challenge: Annotated[str, Query()],
            code_challenge_method: Annotated[str, Query()],
        ) -> RedirectResponse:
            assert client_id == self.client_id
            assert code_challenge_method == "S256"
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"challenge": code_challenge, "nonce": nonce, "redirect_uri": redirect_uri}
            return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302)

        @app.post("/token")
        async def token(
            code: Annotated[str, Form()],
            code_verifier: Annotated[str, Form()],
            redirect_uri: Annotated[str, Form()],
            client_id: Annotated[str, Form()],
        ) -> JSONResponse:
            grant = self.codes.pop(code, None)  # a code is good once
            if grant is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge != grant["challenge"] or redirect_uri != grant["redirect_uri"] or client_id != self.client_id:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            self.redeemed.append(code)
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300, "nonce": grant["nonce"]}
            id_token = jwt.encode(claims | self.person, self.key, algorithm="RS256", headers={"kid": "k1"})
            return JSONResponse({"access_token": "unused", "token_type": "Bearer", "id_token": id_token})

        return app


@asynccontextmanager
async def fake_provider() -> AsyncIterator[FakeProvider]:
    provider = FakeProvider()
    async with serve_app(provider.app()) as url:
        provider.issuer = url
        yield provider
