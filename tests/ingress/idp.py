"""A test identity provider on loopback: a real ES256 key, its JWKS served over HTTP, and real
signed JWTs (stand-in until the shared identity fixture of the kit is merged)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

ISSUER = "https://idp.test/realms/cohort"
AUDIENCE = "cohort-api"


class LoopbackIdP:
    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.kid = uuid.uuid4().hex[:8]
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        self._jwks = json.dumps({"keys": [{**jwk, "kid": self.kid, "alg": "ES256", "use": "sig"}]})
        jwks = self._jwks

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = jwks.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def jwks_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/jwks"

    def start(self) -> LoopbackIdP:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def token(self, org: str, *, lifetime: float = 300, key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": f"service-account-{org}",
            "iat": now,
            "exp": now + int(lifetime),
            "cohort_org": org,
            **claims,
        }
        return jwt.encode(
            payload, key or self.key, algorithm="ES256", headers={"kid": self.kid}
        )

    def headers(self, org: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(org)}"}
