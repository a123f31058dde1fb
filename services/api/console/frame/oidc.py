"""Signing in to the console at the organisation's OpenID Connect provider: the authorization code flow with PKCE.

The provider is discovered from its issuer (`/.well-known/openid-configuration`); the code challenge is S256
(RFC 7636, authlib's implementation); the ID token is verified with PyJWT against the provider's published keys
(signature, issuer, audience = our client id, expiry, and the nonce of this sign-in). The person's role,
organisation and district come from the token's claims (names configurable, PLEDGEFLOW_CONSOLE_OIDC_*_CLAIM). Any
failure is a `SignInRefused` with a reason for the page; no session is made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from pydantic import ValidationError

from contracts.enums import District, Role
from services.platform.auth import Principal
from services.platform.settings import ApiSettings

TIMEOUT = httpx.Timeout(10.0)
ALGORITHMS = ["RS256", "ES256", "PS256"]


class SignInRefused(Exception):
    """The provider's answer cannot sign anybody in (the reason is for the page and the log)."""


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def configured(settings: ApiSettings) -> bool:
    return bool(settings.console_oidc_issuer and settings.console_oidc_client_id and settings.console_oidc_redirect_url)


async def discover(settings: ApiSettings) -> Provider:
    issuer = (settings.console_oidc_issuer or "").rstrip("/")
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            found = (await http.get(f"{issuer}/.well-known/openid-configuration")).raise_for_status().json()
        return Provider(
            issuer=str(found["issuer"]),
            authorization_endpoint=str(found["authorization_endpoint"]),
            token_endpoint=str(found["token_endpoint"]),
            jwks_uri=str(found["jwks_uri"]),
        )
    except (httpx.HTTPError, KeyError, ValueError) as error:
        raise SignInRefused(f"the sign-in provider could not be reached ({type(error).__name__})") from None


def authorization_url(settings: ApiSettings, provider: Provider, state: str, nonce: str, verifier: str) -> str:
    query = {
        "response_type": "code",
        "client_id": settings.console_oidc_client_id,
        "redirect_uri": settings.console_oidc_redirect_url,
        "scope": "openid profile",
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return f"{provider.authorization_endpoint}?{urlencode(query)}"


async def principal_from_code(
    settings: ApiSettings, provider: Provider, code: str, verifier: str, nonce: str
) -> Principal:
    """Exchange the code (with the PKCE verifier) and read the person from the verified ID token."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": settings.console_oidc_redirect_url,
        "client_id": settings.console_oidc_client_id,
        "code_verifier": verifier,
    }
    if settings.console_oidc_client_secret is not None:
        form["client_secret"] = settings.console_oidc_client_secret.get_secret_value()
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            answer = await http.post(provider.token_endpoint, data=form)
            if answer.status_code != 200:
                raise SignInRefused(f"the sign-in provider refused the code ({answer.status_code})")
            id_token = str(answer.json()["id_token"])
            keys = jwt.PyJWKSet.from_dict((await http.get(provider.jwks_uri)).raise_for_status().json())
    except (httpx.HTTPError, KeyError, ValueError, jwt.PyJWKSetError) as error:
        raise SignInRefused(f"the sign-in provider's answer was not usable ({type(error).__name__})") from None
    return _principal(settings, _verified(settings, provider, keys, id_token, nonce))


def _verified(settings: ApiSettings, provider: Provider, keys: jwt.PyJWKSet, id_token: str, nonce: str) -> Any:
    try:
        kid = jwt.get_unverified_header(id_token).get("kid")
        key = next(k for k in keys.keys if kid is None or k.key_id == kid)
        claims = jwt.decode(
            id_token,
            key=key.key,
            algorithms=ALGORITHMS,
            audience=settings.console_oidc_client_id,
            issuer=provider.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except (jwt.PyJWTError, StopIteration) as error:
        raise SignInRefused(f"the ID token was not accepted ({type(error).__name__})") from None
    if claims.get("nonce") != nonce:
        raise SignInRefused("the ID token was not issued for this sign-in (nonce)")
    return claims


def _principal(settings: ApiSettings, claims: dict[str, Any]) -> Principal:
    try:
        district = claims.get(settings.console_oidc_district_claim)
        return Principal(
            sub=str(claims["sub"]),
            role=Role(claims[settings.console_oidc_role_claim]),
            org_id=str(claims[settings.console_oidc_org_claim]),
            district=District(district) if district else None,
        )
    except (KeyError, ValueError, ValidationError):
        raise SignInRefused(
            "your organisation's sign-in did not say your role and organisation in pledgeflow: ask its administrator"
        ) from None
