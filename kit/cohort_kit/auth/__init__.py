"""Who is calling: bearer JWT validation, the organisation registry, per-route rules.

See docs/kit.md ("Authentication") for the API and docs/security.md for the route table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .pages import clear_cookie_header, cookie_path, require_page, set_cookie
from .registry import OPS, Organisation, Registry, report_scope, report_subjects, subject_token
from .rules import (
    Authenticator,
    Principal,
    Rule,
    forbidden,
    public,
    require,
    route_table,
    unauthorised,
    undeclared_routes,
)
from .tokens import (
    DEFAULT_ALGORITHMS,
    InvalidToken,
    JwksCache,
    TokenPolicy,
    TokenValidator,
    allowed_algorithms,
)

if TYPE_CHECKING:
    from ..settings import ServiceSettings

__all__ = [
    "DEFAULT_ALGORITHMS",
    "OPS",
    "Authenticator",
    "InvalidToken",
    "JwksCache",
    "Organisation",
    "Principal",
    "Registry",
    "Rule",
    "TokenPolicy",
    "TokenValidator",
    "allowed_algorithms",
    "authenticator_from_settings",
    "clear_cookie_header",
    "cookie_path",
    "forbidden",
    "public",
    "report_scope",
    "report_subjects",
    "require",
    "require_page",
    "route_table",
    "set_cookie",
    "subject_token",
    "unauthorised",
    "undeclared_routes",
]


def authenticator_from_settings(settings: ServiceSettings) -> Authenticator:
    """The service's authenticator. Without an issuer every protected route answers 401."""
    registry = Registry.load(settings.auth_registry) if settings.auth_registry else Registry([])
    validator = None
    if settings.auth_issuer:
        issuer = settings.auth_issuer
        jwks_url = settings.auth_jwks_url or issuer.rstrip("/") + "/jwks"
        policy = TokenPolicy(
            issuer=issuer,
            audience=settings.auth_audience,
            algorithms=allowed_algorithms(settings.auth_algorithms.split(",")),
            leeway=settings.auth_leeway_seconds,
        )
        jwks = JwksCache(
            jwks_url,
            lifespan=settings.auth_jwks_lifespan_seconds,
            cooldown=settings.auth_jwks_cooldown_seconds,
        )
        validator = TokenValidator(policy, jwks)
    return Authenticator(validator, registry, settings.auth_org_claim)
