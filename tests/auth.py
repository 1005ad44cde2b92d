"""Real tokens for tests: the development issuer serving its JWKS on loopback.

The session fixture `issuer` (tests/conftest.py) starts one and points every service's
settings at it through the environment (`COHORT_AUTH_*`), with the demo registry
(deploy/access.yaml). `headers(org)` are the headers a caller of that organisation sends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cohort_cli.devissuer import DevIssuer
from cohort_kit.auth import Registry

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "deploy" / "access.yaml"
_current: DevIssuer | None = None


@contextmanager
def running_issuer(home: Path) -> Iterator[DevIssuer]:
    global _current
    issuer = DevIssuer(home, registry=Registry.load(REGISTRY)).start()
    env = {
        "COHORT_AUTH_ISSUER": issuer.issuer,
        "COHORT_AUTH_JWKS_URL": issuer.jwks_url,
        "COHORT_AUTH_REGISTRY": str(REGISTRY),
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    _current = issuer
    try:
        yield issuer
    finally:
        _current = None
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        issuer.stop()


def token(org: str) -> str:
    assert _current is not None, "the `issuer` fixture is not running"
    return _current.mint(org)


def headers(org: str) -> dict[str, str]:
    """`Authorization` for a caller of `org` (e.g. `ops`, `agency:iom`, `ministry:NER`)."""
    return {"Authorization": f"Bearer {token(org)}"}
