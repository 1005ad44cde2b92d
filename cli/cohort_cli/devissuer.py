"""A development token issuer on loopback, for `cohort up`, `cohort demo` and tests only.

It does what an OIDC provider does for machines, with real keys and real signatures, so
the services' production token path (JWKS fetch, signature, `iss`/`aud`/`exp`) runs as is:

- `GET /.well-known/openid-configuration`: discovery;
- `GET /jwks`: the public signing keys;
- `POST /token`: the client-credentials grant (`client_id` = an organisation id of the
  registry, e.g. `ministry:NER`; `client_secret` = the stack's development secret, kept in
  the data directory). The token carries `cohort_org` and `aud`, like the Keycloak clients
  of docs/operations.md;
- `GET /authorize` and `POST /token` with `grant_type=authorization_code`: people sign in
  at the dashboard by picking an organisation of the registry (PKCE S256; devauthorize.py).

Access tokens are JWTs with the JOSE header `typ: at+jwt` (RFC 9068).

The signing key (ES256) is kept in `DATA/issuer/`, so tokens survive a restart of `cohort
up`. Never deploy it: it hands a token for any organisation to anyone who has the secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
from cohort_kit.auth import Registry
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from .devauthorize import HEADERS, AuthorizeError, Authorizer, error_page

AUDIENCE = "cohort-api"
ORG_CLAIM = "cohort_org"
STATE = "issuer.json"  # where `cohort token` finds the running issuer


def _private(path: Path) -> None:
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)


def load_or_create_key(path: Path) -> ec.EllipticCurvePrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key
    key = ec.generate_private_key(ec.SECP256R1())
    path.parent.mkdir(parents=True, exist_ok=True)
    _private(path)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return key


def public_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    # RFC 7638 thumbprint as the key id: stable for a key, different for the next one.
    members = json.dumps(
        {k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(members.encode()).digest()
    jwk["kid"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    jwk["alg"] = "ES256"
    jwk["use"] = "sig"
    return jwk


class DevIssuer:
    def __init__(
        self,
        home: Path,
        port: int = 0,
        *,
        registry: Registry | None = None,
        audience: str = AUDIENCE,
        lifetime: int = 3600,
    ) -> None:
        self.home = Path(home)
        self.port = port
        self.registry = registry
        self.audience = audience
        self.lifetime = lifetime
        self.key = load_or_create_key(self.home / "signing-key.pem")
        self.jwk = public_jwk(self.key)
        self.secret = self._secret()
        self.authorizer = Authorizer(registry)
        self._server: ThreadingHTTPServer | None = None
        self.jwks_requests = 0  # how often the JWKS was fetched (tests of the refetch bound)

    def _secret(self) -> str:
        path = self.home / "client-secret"
        if path.exists():
            return path.read_text().strip()
        _private(path)
        value = secrets.token_urlsafe(24)
        path.write_text(value + "\n")
        return value

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk]}

    def rotate(self) -> None:
        """A new signing key; the old one leaves the JWKS at once (tests of rotation)."""
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.jwk = public_jwk(self.key)

    def mint(self, org: str, *, lifetime: int | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "sub": org,
            "aud": self.audience,
            "iat": now,
            "nbf": now,
            "exp": now + (lifetime or self.lifetime),
            "jti": str(uuid.uuid4()),
            "client_id": org,
            ORG_CLAIM: org,
            **claims,
        }
        headers = {"kid": self.kid, "typ": "at+jwt"}
        return jwt.encode(body, self.key, algorithm="ES256", headers=headers)

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.jwks_url,
            "token_endpoint": f"{self.issuer}/token",
            "authorization_endpoint": f"{self.issuer}/authorize",
            "grant_types_supported": ["client_credentials", "authorization_code"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["ES256"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
        }

    def grant(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        """The token endpoint's answer (RFC 6749 §4.1.3 and §4.4)."""
        if form.get("grant_type") == "authorization_code":
            return self.code_grant(form)
        return self.client_grant(form, authorization)

    def code_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """A person's code from the picker page, for a public client (no secret: PKCE)."""
        org, why = self.authorizer.redeem(form)
        if org is None:
            return 400, {"error": "invalid_grant", "error_description": why}
        client = form["client_id"]
        # A person of `org`, signed in through `client` (Keycloak names it in `azp`).
        token = self.mint(org, sub=f"person:{org}", client_id=client, azp=client)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}

    def client_grant(
        self, form: dict[str, str], authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        """Client credentials: a system of an organisation (RFC 6749 §4.4)."""
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization and authorization.lower().startswith("basic "):
            try:
                pair = base64.b64decode(authorization[6:]).decode()
            except ValueError:
                return 401, {"error": "invalid_client"}
            # RFC 6749 §2.3.1 form-encodes both; the secret never holds ':', the id may.
            client_id, _, secret = pair.rpartition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if not secrets.compare_digest(secret.encode(), self.secret.encode()):
            return 401, {"error": "invalid_client"}
        if self.registry is not None and client_id not in self.registry:
            return 401, {"error": "invalid_client", "error_description": "unknown organisation"}
        token = self.mint(client_id)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}

    def start(self) -> DevIssuer:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet: the stack prints its own lines
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _page(self, status: int, text: str, location: str | None = None) -> None:
                data = text.encode()
                self.send_response(status)
                if location is not None:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Cache-Control", "no-store")
                for name, value in HEADERS.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorize(self, params: dict[str, str], post: bool) -> None:
                try:
                    request, refusal = issuer.authorizer.check(params)
                except AuthorizeError as exc:
                    self._page(400, error_page(str(exc)))
                    return
                if request is None:
                    assert refusal is not None
                    self._page(303, "", refusal)
                elif not post:
                    self._page(200, issuer.authorizer.page(request))
                elif params.get("org") not in {o for _, o, _ in issuer.authorizer.organisations()}:
                    self._page(400, error_page("choose an organisation of the list"))
                else:
                    self._page(303, "", issuer.authorizer.issue(request, params["org"]))

            def _form(self) -> dict[str, str]:
                length = min(int(self.headers.get("Content-Length") or 0), 8192)
                raw = parse_qs(self.rfile.read(length).decode(errors="replace"))
                return {k: v[0] for k, v in raw.items()}

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/.well-known/openid-configuration":
                    self._send(200, issuer.discovery())
                elif parts.path == "/jwks":
                    issuer.jwks_requests += 1
                    self._send(200, issuer.jwks())
                elif parts.path == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                    self._authorize(query, post=False)
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                if self.path == "/authorize":
                    self._authorize(self._form(), post=True)
                elif self.path == "/token":
                    status, body = issuer.grant(self._form(), self.headers.get("Authorization"))
                    self._send(status, body)
                else:
                    self._send(404, {"error": "not_found"})

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        state = self.home / STATE
        _private(state)
        endpoints = {"issuer": self.issuer, "token_endpoint": f"{self.issuer}/token"}
        state.write_text(json.dumps(endpoints))
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def request_token(home: Path, org: str, timeout: float = 5.0) -> str:
    """A token for `org` from the issuer running for the data directory `home` (`cohort token`)."""
    import httpx

    state = json.loads((Path(home) / STATE).read_text())
    secret = (Path(home) / "client-secret").read_text().strip()
    response = httpx.post(
        state["token_endpoint"],
        data={"grant_type": "client_credentials", "client_id": org, "client_secret": secret},
        timeout=timeout,
    )
    if response.status_code != 200:
        raise RuntimeError(f"token endpoint refused {org!r}: {response.text}")
    return str(response.json()["access_token"])
