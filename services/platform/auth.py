"""Bearer-token primitives: the `Principal` a token names, minting development tokens, verifying tokens.

Claims: `sub` (the person), `role` (a `contracts.enums.Role`), `org_id` (their organisation) and, for
district and station roles, `district`. HS256 with a shared secret in development; RS256 with a JWKS URL
or a PEM public key in production.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.enums import District, Role
from contracts.types import STORABLE
from services.platform.settings import ApiSettings, JwtAlgorithm


class Principal(BaseModel):
    """Who is calling: the claims of a verified token."""

    model_config = ConfigDict(frozen=True)

    # Claims end up in every record a caller leaves (timeline, audit): held to what PostgreSQL can store.
    sub: Annotated[str, Field(min_length=1, max_length=200), STORABLE]
    role: Role
    org_id: Annotated[str, Field(min_length=1, max_length=64), STORABLE]
    district: District | None = None

    @property
    def caller_key(self) -> str:
        """Scope for per-caller state such as Idempotency-Keys."""
        return f"{self.org_id}/{self.sub}"


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired, wrongly signed or lacks a required claim."""


def mint_token(
    secret: str,
    *,
    sub: str,
    role: Role,
    org_id: str,
    district: District | None = None,
    ttl_seconds: int = 12 * 3600,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    """An HS256 token for development and tests (`pledgeflow token`)."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": sub, "role": role.value, "org_id": org_id, "iat": now, "exp": now + ttl_seconds}
    if district is not None:
        claims["district"] = district.value
    if issuer is not None:
        claims["iss"] = issuer
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm="HS256")


@dataclass
class TokenVerifier:
    """Checks signature, expiry, issuer and audience, then reads the claims into a `Principal`."""

    algorithm: JwtAlgorithm
    key: str | None
    jwks_client: jwt.PyJWKClient | None
    issuer: str | None
    audience: str | None
    leeway_seconds: int

    @classmethod
    def from_settings(cls, settings: ApiSettings) -> TokenVerifier:
        algorithm = settings.effective_jwt_algorithm
        if algorithm is JwtAlgorithm.HS256:
            return cls(
                algorithm,
                settings.jwt_hs256_secret(),
                None,
                settings.jwt_issuer,
                settings.jwt_audience,
                settings.jwt_leeway_seconds,
            )
        jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None
        return cls(
            algorithm,
            settings.jwt_public_key,
            jwks,
            settings.jwt_issuer,
            settings.jwt_audience,
            settings.jwt_leeway_seconds,
        )

    def verify(self, token: str) -> Principal:
        try:
            key: Any = self.key
            if self.jwks_client is not None:
                key = self.jwks_client.get_signing_key_from_jwt(token).key
            claims = jwt.decode(
                token,
                key,
                algorithms=[self.algorithm.value],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_seconds,
                options={"require": ["sub", "exp"], "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired; sign in again") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("the token is not valid") from exc
        try:
            return Principal.model_validate(
                {k: claims.get(k) for k in ("sub", "role", "org_id", "district") if claims.get(k) is not None}
            )
        except ValidationError as exc:
            raise InvalidToken("the token lacks a valid sub, role or org_id claim") from exc
