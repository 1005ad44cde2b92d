"""Who may call a route: every route declares a rule, and a route without one is refused.

    from cohort_kit.auth import Principal, public, require

    @router.get("/reports")
    async def reports(scope: str, caller: Principal = require("reports")) -> ...:
        if not caller.allows(report_scope(...)): raise forbidden(...)

    @router.get("/verify/{code}", dependencies=[public("anyone may verify a certificate")])
    async def verify(code: str) -> ...

`require(*families)` admits a caller whose organisation holds a scope of one of the
families (`reports`, `roster`, `ops`, ...) and hands the handler its `Principal`; the
handler narrows further to the resource (a report's audience, a session's agency), and
store functions take the caller's grant, so no unscoped query can be written. Errors follow
RFC 6750: 401 with `WWW-Authenticate: Bearer` for a missing or bad token, 403
`insufficient_scope` for a valid token without the scope. `undeclared_routes(app)` lists
the routes with no rule (a test walks every service with it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
import structlog
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute

from .registry import Registry
from .tokens import InvalidToken, TokenValidator

log = structlog.get_logger(__name__)
REALM = "cohort"
# FastAPI's own documentation routes: they describe the API and hold no data.
DOCUMENTATION = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})

_bearer = HTTPBearer(auto_error=False, description="An access token of your organisation.")


@dataclass(frozen=True)
class Principal:
    """The calling organisation, as the registry knows it."""

    org: str
    scopes: frozenset[str]
    subject: str | None = None  # the token's `sub` (a client or a person), for logs

    def allows(self, scope: str) -> bool:
        if scope in self.scopes:
            return True
        return any(s.endswith("*") and scope.startswith(s[:-1]) for s in self.scopes)

    def has_family(self, family: str) -> bool:
        return any(s == family or s.startswith(family + ":") for s in self.scopes)

    def values(self, prefix: str) -> frozenset[str]:
        """The values this caller holds under `prefix` (`roster:agency:` -> {"iom"})."""
        return frozenset(s[len(prefix) :] for s in self.scopes if s.startswith(prefix))


class Authenticator:
    """Token -> Principal, for one service (kept on `app.state.auth`)."""

    def __init__(self, validator: TokenValidator | None, registry: Registry, org_claim: str):
        self.validator = validator
        self.registry = registry
        self.org_claim = org_claim

    async def principal(self, token: str) -> Principal:
        if self.validator is None:
            raise InvalidToken("this service has no token issuer configured")
        claims = await self.validator.claims(token)
        org = claims.get(self.org_claim)
        if not isinstance(org, str) or not org:
            raise InvalidToken(f"token has no {self.org_claim!r} claim")
        return Principal(org, self.registry.scopes(org), claims.get("sub"))


def challenge(error: str | None = None, description: str | None = None, **extra: str) -> str:
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append('error_description="{}"'.format(description.replace('"', "'")[:200]))
    parts += [f'{k}="{v}"' for k, v in extra.items()]
    return "Bearer " + ", ".join(parts)


def unauthorised(error: str | None = None, description: str | None = None) -> HTTPException:
    return HTTPException(
        401,
        description or "an access token is required",
        headers={"WWW-Authenticate": challenge(error, description)},
    )


def forbidden(scope: str) -> HTTPException:
    """403 insufficient_scope: the caller is known but may not read this."""
    return HTTPException(
        403,
        "insufficient_scope",
        headers={"WWW-Authenticate": challenge("insufficient_scope", scope=scope)},
    )


class Rule:
    """A route's access rule; instances are FastAPI dependencies (and recognised as rules)."""

    public = False

    def describe(self) -> str:
        raise NotImplementedError


class Public(Rule):
    public = True

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def describe(self) -> str:
        return f"public: {self.reason}"

    async def __call__(self) -> None:  # asks for nothing, so the docs show no lock
        return None


class Required(Rule):
    def __init__(self, families: tuple[str, ...]) -> None:
        self.families = families

    def describe(self) -> str:
        return " or ".join(self.families)

    async def __call__(
        self,
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ) -> Principal:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise unauthorised()
        auth: Authenticator | None = getattr(request.app.state, "auth", None)
        if auth is None:
            raise unauthorised("invalid_token", "no token issuer configured")
        try:
            principal = await auth.principal(credentials.credentials)
        except InvalidToken as exc:
            log.info("token refused", reason=str(exc), path=request.url.path)
            raise unauthorised("invalid_token", str(exc)) from None
        if not any(principal.has_family(f) for f in self.families):
            raise forbidden(" ".join(self.families))
        return principal


def require(*families: str) -> Any:
    """A route for callers holding a scope of one of `families`; injects the `Principal`."""
    if not families:
        raise ValueError("require() needs at least one scope family; use public() otherwise")
    return Depends(Required(families))


def public(reason: str) -> Any:
    """A route anyone may call, by design; `reason` says why (it ends up in the docs)."""
    if not reason:
        raise ValueError("a public route says why it is public")
    return Depends(Public(reason))


def _routes(app: FastAPI) -> Iterator[tuple[BaseRoute, str, Any, set[str]]]:
    """(route, path, dependant, methods) of every route, through included routers (recent
    FastAPI keeps included routers as nodes; `iter_route_contexts` flattens them)."""
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    if flatten is None:
        for route in app.routes:
            dependant = getattr(route, "dependant", None)
            yield route, getattr(route, "path", ""), dependant, getattr(route, "methods", set())
        return
    for ctx in flatten(app.routes):
        original = ctx.original_route
        dependant = getattr(ctx, "dependant", None) or getattr(original, "dependant", None)
        yield original, ctx.path or "", dependant, set(ctx.methods or ())


def _rule_of(dependant: Any) -> Rule | None:
    stack = [dependant] if dependant is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current.call, Rule):
            return current.call
        stack.extend(current.dependencies)
    return None


def route_table(app: FastAPI) -> list[tuple[str, str, str]]:
    """(methods, path, rule) of every API route, for docs and tests."""
    rows = []
    for route, path, dependant, methods in _routes(app):
        if isinstance(route, APIRoute):
            rule = _rule_of(dependant)
            rows.append((",".join(sorted(methods)), path, rule.describe() if rule else "NONE"))
    return rows


def undeclared_routes(app: FastAPI) -> list[str]:
    """Routes that declare no rule (should be none): deny by default is tested with this."""
    missing = []
    for route, path, dependant, methods in _routes(app):
        if isinstance(route, APIRoute):
            if _rule_of(dependant) is None:
                missing.append(f"{','.join(sorted(methods))} {path}")
        elif path not in DOCUMENTATION:
            missing.append(f"{type(route).__name__} {path}")
    return missing
