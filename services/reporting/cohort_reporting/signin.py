"""People sign in at the dashboard through the OIDC provider: authorization code + PKCE.

- `GET /signin?next=<dashboard query>`: a fresh `state` and PKCE verifier go into a
  short-lived HttpOnly cookie (`cohort_signin`, 10 minutes, SameSite=Lax); the browser goes
  to the provider's `authorization_endpoint` (from its discovery document) with the S256
  challenge.
- `GET /signin-callback?code&state`: the state must be the cookie's; the code is exchanged
  at the provider's `token_endpoint` with the verifier (httpx); the access token is checked
  by the service's own validator (the same as for bearer tokens) and kept in the HttpOnly
  session cookie `cohort_dashboard` for its lifetime. No refresh token is kept: when the
  access token expires, the next page goes through the provider again (its own session
  makes that a redirect, not a form).
- `POST /signout`: clears the session cookie. The provider's own session is not ended.

The cookies are `Secure` when the page is served over https, and scoped to the dashboard's
folder (cohort_kit.auth.pages). Nothing here trusts the cookie more than a bearer token:
each page validates it again.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import structlog
from cohort_kit import Runtime
from cohort_kit.auth import InvalidToken, clear_cookie_header, cookie_path, public, set_cookie
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

log = structlog.get_logger(__name__)
SESSION = "cohort_dashboard"  # the access token of the signed-in person
FLOW = "cohort_signin"  # state and PKCE verifier, while the person is at the provider
FLOW_SECONDS = 600
LONGEST_SESSION = 12 * 3600
DISCOVERY_SECONDS = 300.0
TIMEOUT = 10.0


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pack(flow: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(flow).encode()).decode().rstrip("=")


def unpack(value: str | None) -> dict[str, str] | None:
    if not value or len(value) > 4096:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "svn"):
        return None
    return data


def clean_query(query: str) -> str:
    """The dashboard query to come back to, re-encoded: it can only ever be a query."""
    return urlencode(parse_qsl(query[:2000], keep_blank_values=True))


def page(status: int, title: str, text: str, link: tuple[str, str] | None = None) -> HTMLResponse:
    e = html.escape
    more = f'<p><a href="{e(link[0])}">{e(link[1])}</a></p>' if link else ""
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{e(title)}</title><link rel="stylesheet" href="dashboard.css"></head>'
        f'<body><main id="main"><h1>{e(title)}</h1><p>{e(text)}</p>{more}</main></body></html>'
    )
    return HTMLResponse(body, status, headers={"Cache-Control": "no-store"})


class Provider:
    """The provider's endpoints, from its discovery document (cached a few minutes)."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self._doc: dict[str, Any] | None = None
        self._at = 0.0

    async def endpoints(self) -> dict[str, Any]:
        if self._doc is None or time.monotonic() - self._at > DISCOVERY_SECONDS:
            url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
            async with httpx.AsyncClient(timeout=TIMEOUT) as client:
                response = await client.get(url)
            response.raise_for_status()
            doc = response.json()
            # OpenID Connect Discovery §4.3: the document must name the issuer we asked.
            if doc.get("issuer", "").rstrip("/") != self.issuer.rstrip("/"):
                raise RuntimeError(f"discovery names another issuer: {doc.get('issuer')!r}")
            self._doc, self._at = doc, time.monotonic()
        return self._doc

    async def exchange(self, form: dict[str, str]) -> httpx.Response:
        token_endpoint = (await self.endpoints())["token_endpoint"]
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            return await client.post(token_endpoint, data=form)


def make_signin(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["dashboard sign-in"], include_in_schema=False)
    settings: Any = runtime.settings
    provider = Provider(settings.signin_issuer or settings.auth_issuer)
    client_id = settings.signin_client_id

    def redirect_uri(request: Request) -> str:
        if settings.signin_redirect_uri:
            return str(settings.signin_redirect_uri)
        return f"{request.url.scheme}://{request.url.netloc}{cookie_path(request)}signin-callback"

    @router.get(
        "/signin",
        dependencies=[public("starts the dashboard's sign-in at the OIDC provider: no data")],
    )
    async def signin(request: Request, next: str = Query("", max_length=2000)) -> Response:
        if not provider.issuer:
            return page(503, "Sign-in unavailable", "No identity provider is configured.")
        try:
            authorize = (await provider.endpoints())["authorization_endpoint"]
        except Exception as exc:  # the provider is down: say so, do not 500
            log.warning("identity provider unreachable", error=repr(exc))
            return page(503, "Sign-in unavailable", "The identity provider does not answer.")
        state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri(request),
            "state": state,
            "code_challenge": challenge(verifier),
            "code_challenge_method": "S256",
        }
        response = RedirectResponse(f"{authorize}?{urlencode(query)}", 303)
        flow = {"s": state, "v": verifier, "n": clean_query(next)}
        set_cookie(response, request, FLOW, pack(flow), FLOW_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.get(
        "/signin-callback",
        dependencies=[
            public("the OIDC provider sends the browser back here; checks state and PKCE")
        ],
    )
    async def callback(
        request: Request,
        code: str = Query("", max_length=2048),
        state: str = Query("", max_length=512),
        error: str = Query("", max_length=256),
    ) -> Response:
        flow = unpack(request.cookies.get(FLOW))
        again = ("signin", "Sign in again")

        def refuse(why: str) -> Response:
            log.info("sign-in refused", reason=why)
            response = page(400, "Sign-in failed", why, again)
            response.headers.append("Set-Cookie", clear_cookie_header(request, FLOW))
            return response

        if flow is None or not state or not secrets.compare_digest(state, flow["s"]):
            return refuse("This sign-in was not started here, or took too long.")
        if error or not code:
            return refuse("The identity provider did not sign you in.")
        try:
            answer = await provider.exchange(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri(request),
                    "client_id": client_id,
                    "code_verifier": flow["v"],
                }
            )
        except Exception as exc:
            log.warning("token exchange failed", error=repr(exc))
            return refuse("The identity provider does not answer.")
        try:
            body = answer.json() if answer.status_code == 200 else {}
        except ValueError:
            body = {}
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str):
            log.info("token endpoint refused the code", status=answer.status_code)
            return refuse("The identity provider refused the sign-in.")
        try:
            principal = await request.app.state.auth.principal(token)
        except (InvalidToken, AttributeError) as exc:
            return refuse(f"The access token is not valid here ({exc}).")
        lifetime = body.get("expires_in")
        seconds = lifetime if isinstance(lifetime, int) and lifetime > 0 else 300
        log.info("signed in at the dashboard", org=principal.org, subject=principal.subject)
        back = "dashboard?" + flow["n"] if flow["n"] else "dashboard"
        response = RedirectResponse(back, 303)
        set_cookie(response, request, SESSION, token, min(seconds, LONGEST_SESSION))
        response.headers.append("Set-Cookie", clear_cookie_header(request, FLOW))
        response.headers["Cache-Control"] = "no-store"
        return response

    @router.post(
        "/signout",
        dependencies=[public("clears the dashboard's sign-in cookie: no data")],
    )
    async def signout(request: Request) -> Response:
        origin = request.headers.get("origin")
        # Another site may not sign people out (the host only: a TLS proxy changes the scheme).
        if origin is not None and urlsplit(origin).netloc != request.url.netloc:
            return page(403, "Not signed out", "This request came from another site.")
        response = page(200, "Signed out", "You are signed out.", ("dashboard", "Sign in"))
        response.headers.append("Set-Cookie", clear_cookie_header(request, SESSION))
        return response

    return router
