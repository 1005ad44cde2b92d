"""Pages people open in a browser: the bearer header, or the sign-in cookie.

    @router.get("/dashboard")
    async def dashboard(caller: Principal = require_page("reports", cookie=SESSION)): ...

A page rule admits what `require()` admits (a bearer header wins when both are sent) and,
without a header, the access token kept in an HttpOnly cookie by the service's sign-in
(cohort_reporting.signin). A browser without either is sent to `signin?next=...`; a cookie
whose token no longer validates (expired, tampered, rotated key) is cleared and the browser
signed in again. The token in the cookie is checked exactly like a bearer token.

Only GET pages take the cookie: an API route (and anything that changes state) stays
bearer-only, so the cookie gives a cross-site form nothing to ride on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.responses import Response

from .rules import Authenticator, Principal, Required, _bearer, forbidden, log, unauthorised
from .tokens import InvalidToken


def cookie_path(request: Request) -> str:
    """The folder of the request's path (`/dashboard` -> `/`, `/r/dashboard` -> `/r/`): the
    pages and their sign-in routes are siblings, so the cookie works under any prefix."""
    path = request.scope.get("root_path", "") + request.url.path
    return path.rsplit("/", 1)[0] + "/"


def secure_request(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=cookie_path(request),
        secure=secure_request(request),
        httponly=True,
        samesite="lax",
    )


def clear_cookie_header(request: Request, name: str) -> str:
    secure = "; Secure" if secure_request(request) else ""
    return f"{name}=; Max-Age=0; Path={cookie_path(request)}; HttpOnly; SameSite=Lax{secure}"


def sign_in_redirect(request: Request, clear: str | None = None) -> HTTPException:
    """303 to the sibling `signin` route, carrying the page's query to come back to."""
    target = "signin?" + urlencode({"next": request.url.query}) if request.url.query else "signin"
    headers = {"Location": target, "Cache-Control": "no-store"}
    if clear is not None:
        headers["Set-Cookie"] = clear_cookie_header(request, clear)
    return HTTPException(303, "sign in first", headers=headers)


def wants_page(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


class PageRequired(Required):
    def __init__(self, families: tuple[str, ...], cookie: str) -> None:
        super().__init__(families)
        self.cookie = cookie

    async def __call__(
        self,
        request: Request,
        credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
    ) -> Principal:
        token = request.cookies.get(self.cookie)
        if credentials is not None or not token:
            if credentials is None and wants_page(request):
                raise sign_in_redirect(request)
            return await super().__call__(request, credentials)
        auth: Authenticator | None = getattr(request.app.state, "auth", None)
        if auth is None:
            raise unauthorised("invalid_token", "no token issuer configured")
        try:
            principal = await auth.principal(token)
        except InvalidToken as exc:
            log.info("sign-in cookie refused", reason=str(exc), path=request.url.path)
            raise sign_in_redirect(request, clear=self.cookie) from None
        if not any(principal.has_family(f) for f in self.families):
            raise forbidden(" ".join(self.families))
        return principal


def require_page(*families: str, cookie: str) -> Any:
    """A GET page for callers holding a scope of `families`, by bearer header or by the
    sign-in cookie `cookie`; injects the `Principal`."""
    if not families:
        raise ValueError("require_page() needs at least one scope family")
    return Depends(PageRequired(families, cookie))
