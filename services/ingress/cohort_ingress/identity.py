"""Who is calling: the one FastAPI dependency every route takes (`caller`).

The bearer token names the organisation (`agency:<id>`); only agencies may publish or read
rejections. The token check is isolated here so that it can follow the network's identity
module without touching the routes.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import jwt
from fastapi import Request

from .problems import Problem
from .settings import IngressSettings

AGENCY = re.compile(r"^agency:(?P<id>[a-z][a-z0-9_-]{0,31})$")
ALGORITHMS = ["RS256", "ES256", "EdDSA"]
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="cohort"'}


@dataclass(frozen=True)
class Caller:
    agency: str


class TokenVerifier:
    """Bearer JWTs checked locally against the identity provider's JWKS (`PyJWKClient`,
    which caches keys; it is synchronous, so it runs in a thread)."""

    def __init__(self, settings: IngressSettings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.auth_jwks_url) if settings.auth_jwks_url else None

    async def organisation(self, token: str) -> str:
        if self._jwks is None:
            raise Problem(401, "no identity provider configured", headers=CHALLENGE)
        try:
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self._settings.auth_audience,
                issuer=self._settings.auth_issuer,
                leeway=60,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise Problem(401, f"invalid token: {exc}", headers=CHALLENGE) from None
        org = claims.get("cohort_org")
        if not isinstance(org, str):
            raise Problem(403, "the token names no organisation", reason="insufficient_scope")
        return org


async def caller(request: Request) -> Caller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "a bearer token is required", headers=CHALLENGE)
    verifier: TokenVerifier = request.app.state.verifier
    org = await verifier.organisation(token.strip())
    match = AGENCY.match(org)
    if match is None:
        raise Problem(
            403, f"{org!r} is not an agency; only agencies publish", reason="insufficient_scope"
        )
    return Caller(agency=match["id"])
