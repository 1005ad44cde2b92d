"""Bearer tokens against a JWKS served on loopback: what is accepted and what is refused.

Every token here is a real JWT signed by a real key of the development issuer (or by an
attacker's key, or by none), checked by the same code the services run.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cohort_cli.devissuer import DevIssuer
from cohort_kit.auth import (
    Authenticator,
    JwksCache,
    Principal,
    Registry,
    TokenPolicy,
    TokenValidator,
    allowed_algorithms,
    public,
    require,
)
from cohort_kit.http import make_http_app
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import APIRouter

from tests.auth import REGISTRY

pytestmark = pytest.mark.integration


@pytest.fixture
def own_issuer(tmp_path: Path):
    issuer = DevIssuer(tmp_path / "issuer").start()
    yield issuer
    issuer.stop()


def make_app(issuer: DevIssuer, *, cooldown: float = 0.0):
    async def ready() -> dict[str, bool]:
        return {"nats": True}

    jwks = JwksCache(issuer.jwks_url, cooldown=cooldown)
    policy = TokenPolicy(issuer.issuer, "cohort-api", allowed_algorithms(["ES256", "RS256"]))
    auth = Authenticator(TokenValidator(policy, jwks), Registry.load(REGISTRY), "cohort_org")
    app = make_http_app("probe", ready, auth=auth)
    router = APIRouter()

    @router.get("/reports")
    async def reports(caller: Principal = require("reports")) -> dict[str, object]:
        return {"org": caller.org, "scopes": sorted(caller.scopes)}

    @router.get("/open", dependencies=[public("test")])
    async def open_route() -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/ops")
    async def ops_route(caller: Principal = require("ops")) -> dict[str, str]:
        return {"org": caller.org}

    app.include_router(router)
    return app, jwks


async def call(app, token: str | None, path: str = "/reports") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
        return await client.get(path, headers=headers)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_valid_token_names_the_organisation_and_its_registry_scopes(own_issuer):
    app, _ = make_app(own_issuer)
    response = await call(app, own_issuer.mint("ministry:NER"))
    assert response.status_code == 200
    assert response.json() == {"org": "ministry:NER", "scopes": ["reports:country:NER"]}


async def test_no_token_is_401_with_a_bearer_challenge(own_issuer):
    app, _ = make_app(own_issuer)
    response = await call(app, None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert "error=" not in response.headers["www-authenticate"]  # RFC 6750 §3.1
    assert (await call(app, None, "/open")).status_code == 200


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": int(time.time()) - 3600}, id="expired"),
        pytest.param({"nbf": int(time.time()) + 3600}, id="not-yet-valid"),
        pytest.param({"iss": "http://127.0.0.1:1/elsewhere"}, id="wrong-issuer"),
        pytest.param({"aud": "another-api"}, id="wrong-audience"),
        pytest.param({"cohort_org": None}, id="no-organisation"),
    ],
)
async def test_bad_claims_are_401_invalid_token(own_issuer, claims):
    app, _ = make_app(own_issuer)
    token = own_issuer.mint("ministry:NER", **claims)
    response = await call(app, token)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_a_missing_audience_is_refused(own_issuer):
    app, _ = make_app(own_issuer)
    now = int(time.time())
    body = {"iss": own_issuer.issuer, "exp": now + 60, "cohort_org": "ministry:NER"}
    token = jwt.encode(body, own_issuer.key, "ES256", headers={"kid": own_issuer.kid})
    assert (await call(app, token)).status_code == 401


async def test_alg_none_is_refused(own_issuer):
    app, _ = make_app(own_issuer)
    payload = jwt.decode(own_issuer.mint("ops"), options={"verify_signature": False})
    token = f"{b64({'alg': 'none', 'kid': own_issuer.kid})}.{b64(payload)}."
    response = await call(app, token)
    assert response.status_code == 401
    assert "not allowed" in response.headers["www-authenticate"]


async def test_hs256_signed_with_the_public_key_is_refused(own_issuer):
    """The algorithm-confusion attack: the public key (which anyone has) as an HMAC secret."""
    app, _ = make_app(own_issuer)
    public_pem = own_issuer.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    payload = jwt.decode(own_issuer.mint("ops"), options={"verify_signature": False})
    header = b64({"alg": "HS256", "typ": "JWT", "kid": own_issuer.kid})
    import hashlib
    import hmac

    signing_input = f"{header}.{b64(payload)}".encode()
    mac = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    token = signing_input.decode() + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert (await call(app, token)).status_code == 401


async def test_a_tampered_signature_or_payload_is_refused(own_issuer):
    app, _ = make_app(own_issuer)
    token = own_issuer.mint("ministry:NER")
    head, payload, signature = token.split(".")
    flipped = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    assert (await call(app, f"{head}.{payload}.{flipped}")).status_code == 401
    claims = jwt.decode(token, options={"verify_signature": False})
    claims["cohort_org"] = "ministry:COM"
    assert (await call(app, f"{head}.{b64(claims)}.{signature}")).status_code == 401
    assert (await call(app, token)).status_code == 200


async def test_a_token_signed_by_another_key_is_refused(own_issuer):
    app, _ = make_app(own_issuer)
    stranger = ec.generate_private_key(ec.SECP256R1())
    body = jwt.decode(own_issuer.mint("ops"), options={"verify_signature": False})
    token = jwt.encode(body, stranger, "ES256", headers={"kid": own_issuer.kid})
    assert (await call(app, token)).status_code == 401


async def test_an_unknown_kid_causes_one_refetch_then_401(own_issuer):
    app, jwks = make_app(own_issuer, cooldown=3600)
    assert (await call(app, own_issuer.mint("ops"))).status_code == 200
    assert jwks.fetches == 1
    body = jwt.decode(own_issuer.mint("ops"), options={"verify_signature": False})
    forged = jwt.encode(body, own_issuer.key, "ES256", headers={"kid": "no-such-key"})
    for _ in range(5):
        assert (await call(app, forged)).status_code == 401
    # The cooldown keeps a flood of made-up kids from refetching the JWKS each time.
    assert jwks.fetches == 1
    assert own_issuer.jwks_requests == 1


async def test_a_rotated_key_is_fetched_once_and_the_old_key_stops_working(own_issuer):
    app, jwks = make_app(own_issuer, cooldown=0)
    old = own_issuer.mint("ministry:NER")
    assert (await call(app, old)).status_code == 200
    own_issuer.rotate()
    new = own_issuer.mint("ministry:NER")
    assert (await call(app, new)).status_code == 200  # unknown kid -> one refetch -> known
    assert jwks.fetches == 2
    assert (await call(app, old)).status_code == 401  # the old key left the JWKS


async def test_a_valid_token_without_the_scope_is_403_insufficient_scope(own_issuer):
    app, _ = make_app(own_issuer)
    for org in ("agency:iom", "service:enrolment", "nobody:unknown"):
        token = own_issuer.mint(org)
        response = await call(app, token, "/ops")
        assert response.status_code == 403, org
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert (await call(app, own_issuer.mint("ops"), "/ops")).status_code == 200
    assert (await call(app, own_issuer.mint("service:enrolment"))).status_code == 403


def test_symmetric_and_none_algorithms_cannot_be_configured():
    for bad in (["none"], ["HS256"], ["RS256", "HS512"], []):
        with pytest.raises(ValueError):
            allowed_algorithms(bad)


@pytest.mark.parametrize(
    ("header_typ", "claims", "accepted"),
    [
        pytest.param("at+jwt", {}, True, id="at+jwt"),
        pytest.param("application/at+jwt", {}, True, id="application/at+jwt"),
        pytest.param("JWT", {}, True, id="JWT"),
        pytest.param(None, {}, True, id="no-typ"),
        pytest.param("at+jwt", {"typ": "Bearer"}, True, id="keycloak-access-token"),
        pytest.param("JWT", {"typ": "ID"}, False, id="keycloak-id-token"),
        pytest.param("JWT", {"typ": "Refresh"}, False, id="keycloak-refresh-token"),
        pytest.param("JWT", {"typ": "Logout"}, False, id="keycloak-logout-token"),
        pytest.param("id+jwt", {}, False, id="header-id-token"),
        pytest.param("secevent+jwt", {}, False, id="header-security-event"),
        pytest.param("dpop+jwt", {}, False, id="header-dpop-proof"),
    ],
)
async def test_only_access_tokens_are_accepted(own_issuer, header_typ, claims, accepted):
    """An ID token or refresh token of the same issuer may carry the same claims: its type
    (JOSE header `typ`, RFC 9068, or Keycloak's `typ` claim) keeps it out."""
    app, _ = make_app(own_issuer)
    body = jwt.decode(own_issuer.mint("ministry:NER"), options={"verify_signature": False})
    head: dict[str, str] = {"kid": own_issuer.kid}
    if header_typ is not None:
        head["typ"] = header_typ
    token = jwt.encode(body | claims, own_issuer.key, "ES256", headers=head)
    if header_typ is None:  # PyJWT adds `typ: JWT` by default: take it out, re-sign
        token = jwt.encode(
            body | claims, own_issuer.key, "ES256", headers={"kid": own_issuer.kid, "typ": None}
        )
        assert "typ" not in jwt.get_unverified_header(token)
    response = await call(app, token)
    assert response.status_code == (200 if accepted else 401), response.text
    if not accepted:
        assert "not an access token" in response.headers["www-authenticate"]


async def test_the_development_issuer_signs_at_jwt_access_tokens(own_issuer):
    assert jwt.get_unverified_header(own_issuer.mint("ops"))["typ"] == "at+jwt"
