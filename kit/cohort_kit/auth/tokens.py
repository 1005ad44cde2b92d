"""Bearer access tokens: a JWT checked locally against the issuer's JWKS (PyJWT).

- `iss` must equal the configured issuer exactly, `aud` must contain the audience, `exp` is
  required, `exp`/`nbf`/`iat` get a small leeway for clock skew.
- Only asymmetric algorithms from an allow-list are accepted; `none` and HMAC can never be
  configured (a public key used as an HMAC secret is the classic confusion attack).
- The JWKS is cached; a token naming an unknown `kid` causes at most one refetch, and
  refetches are spaced by a cooldown so a flood of made-up `kid`s cannot hammer the issuer.
- Only access tokens: the JOSE header `typ` is `at+jwt` (RFC 9068), `JWT` or absent, and a
  Keycloak-style `typ` claim, when present, is `Bearer`. An ID token or a refresh token of
  the same issuer, which may carry the same claims, is refused.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt import PyJWK, PyJWKSet

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DEFAULT_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
# JOSE `typ` values of an access token (compared case-insensitively, RFC 7515 §4.1.9; the
# `application/` prefix may be left out). Absent is allowed: many providers omit it.
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt", "jwt"})
# Keycloak names its token kinds in a `typ` claim: `Bearer` for access tokens, `ID`,
# `Refresh`, `Offline`, `Logout` for the others.
ACCESS_TOKEN_CLAIM_TYPES = frozenset({"bearer"})


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not signed by the issuer for us."""


def allowed_algorithms(names: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(n.strip() for n in names if n.strip())
    bad = chosen - ASYMMETRIC
    if bad:
        raise ValueError(f"algorithms not allowed (asymmetric only): {sorted(bad)}")
    if not chosen:
        raise ValueError("no token algorithm allowed")
    return chosen


def _fetch_json(url: str, timeout: float) -> Any:
    # No redirects are followed silently into another host's keys: urllib follows only
    # same-scheme redirects, and the issuer's JWKS URL is configured, not taken from tokens.
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read(1_000_000))


class JwksCache:
    """The issuer's signing keys by `kid`, fetched off the event loop and kept `lifespan`."""

    def __init__(
        self,
        url: str,
        *,
        lifespan: float = 300.0,
        cooldown: float = 30.0,
        timeout: float = 5.0,
        fetch: Callable[[str, float], Any] = _fetch_json,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.lifespan = lifespan
        self.cooldown = cooldown
        self.timeout = timeout
        self.fetches = 0
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._declared: dict[str, str | None] = {}  # kid -> the `alg` its JWK names, if any
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    def declared_algorithm(self, kid: str) -> str | None:
        return self._declared.get(kid)

    async def key(self, kid: str) -> PyJWK:
        now = self._clock()
        if self._fetched_at is None or now - self._fetched_at > self.lifespan:
            await self._refresh()
        elif kid not in self._keys and now - self._fetched_at >= self.cooldown:
            await self._refresh()  # the one refetch an unknown kid may cause (key rotation)
        try:
            return self._keys[kid]
        except KeyError:
            raise InvalidToken("unknown signing key") from None

    async def _refresh(self) -> None:
        async with self._lock:
            try:
                data = await asyncio.to_thread(self._fetch, self.url, self.timeout)
                keyset = PyJWKSet.from_dict(data)
            except Exception as exc:  # the issuer is down or answers nonsense: keep old keys
                if self._fetched_at is None:
                    raise InvalidToken(f"signing keys unavailable: {exc!r}") from None
                return
            finally:
                self.fetches += 1
            self._keys = {k.key_id: k for k in keyset.keys if k.key_id}
            self._declared = {
                k["kid"]: k.get("alg") for k in data.get("keys", []) if isinstance(k, dict)
            }
            self._fetched_at = self._clock()


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    audience: str
    algorithms: frozenset[str]
    leeway: float = 30.0


class TokenValidator:
    def __init__(self, policy: TokenPolicy, jwks: JwksCache) -> None:
        self.policy = policy
        self.jwks = jwks

    async def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of `token`, or `InvalidToken` saying why not."""
        p = self.policy
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed token: {exc}") from None
        alg = header.get("alg")
        if alg not in p.algorithms:
            raise InvalidToken(f"algorithm {alg!r} not allowed")
        typ = header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES):
            raise InvalidToken(f"not an access token (typ {typ!r})")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("token names no signing key (kid)")
        key = await self.jwks.key(kid)
        declared = self.jwks.declared_algorithm(kid)
        if declared is not None and declared != alg:
            raise InvalidToken("algorithm does not match the signing key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=p.audience,
                issuer=p.issuer,
                leeway=p.leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc) or type(exc).__name__) from None
        kind = claims.get("typ")
        if kind is not None and (
            not isinstance(kind, str) or kind.lower() not in ACCESS_TOKEN_CLAIM_TYPES
        ):
            raise InvalidToken(f"not an access token (typ claim {kind!r})")
        return claims
