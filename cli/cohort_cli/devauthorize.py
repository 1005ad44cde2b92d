"""The development issuer's sign-in for people: authorization code with PKCE (RFC 7636, S256).

`GET /authorize` shows a page listing the organisations of the registry; choosing one and
pressing the button (`POST /authorize`) sends the browser back to the client's redirect URI
with a one-time code. `POST /token` (`grant_type=authorization_code`) trades the code for
an access token when the code verifier, the redirect URI and the client id are the ones of
the authorization request. Codes are single-use (a failed attempt burns the code too) and
live `CODE_LIFETIME` seconds. There is no password: anyone who reaches this loopback page
signs in as any organisation, which is what a developer wants and why it never runs in
compose.

Clients: the public clients named at start (`cohort-dashboard`), with any loopback
redirect URI (`http://127.0.0.1:<any port>/...`, RFC 8252 §7.3): the dashboard's port is
not known in advance in tests.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from cohort_kit.auth import Registry

DASHBOARD_CLIENT = "cohort-dashboard"
CODE_LIFETIME = 60.0
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
# RFC 7636 §4.1: 43 to 128 unreserved characters.
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
KIND_TITLES = {
    "ministry": "Ministries",
    "donor": "Donors",
    "agency": "Agencies",
    "ops": "Operators",
}


class AuthorizeError(Exception):
    """An authorization request that cannot be sent back to its client (bad client or
    redirect URI: RFC 6749 §4.1.2.1 says to tell the person, never to redirect)."""


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def loopback_uri(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    return parts.scheme == "http" and parts.hostname in LOOPBACK and not parts.fragment


@dataclass(frozen=True)
class Request:
    """A checked authorization request (the fields the picker page carries along)."""

    client_id: str
    redirect_uri: str
    state: str
    code_challenge: str

    def fields(self) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }


@dataclass(frozen=True)
class _Code:
    request: Request
    org: str
    expires: float


class Authorizer:
    def __init__(self, registry: Registry | None, clients: tuple[str, ...] = (DASHBOARD_CLIENT,)):
        self.registry = registry
        self.clients = frozenset(clients)
        self._codes: dict[str, _Code] = {}
        self._lock = threading.Lock()

    def organisations(self) -> list[tuple[str, str, str]]:
        """(kind, id, name) of everyone a person may sign in as: not the services."""
        if self.registry is None:
            return []
        return [(o.kind, o.id, o.name) for o in self.registry if o.kind in KIND_TITLES]

    def check(self, q: dict[str, str]) -> tuple[Request | None, str | None]:
        """The request, or the redirect (to the client) that refuses it. Raises
        AuthorizeError when the client itself cannot be trusted with an answer."""
        client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
        if client_id not in self.clients:
            raise AuthorizeError("unknown client")
        if not loopback_uri(redirect_uri):
            raise AuthorizeError("the redirect URI must be a loopback http URI")
        state = q.get("state", "")

        def refuse(error: str, description: str) -> tuple[None, str]:
            query = {"error": error, "error_description": description, "state": state}
            return None, redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(query)

        if q.get("response_type") != "code":
            return refuse("unsupported_response_type", "only response_type=code")
        if q.get("code_challenge_method") != "S256" or not CHALLENGE.fullmatch(
            q.get("code_challenge", "")
        ):
            return refuse("invalid_request", "PKCE with code_challenge_method=S256 is required")
        if not state or len(state) > 512:
            return refuse("invalid_request", "state is required")
        return Request(client_id, redirect_uri, state, q["code_challenge"]), None

    def issue(self, request: Request, org: str) -> str:
        """The redirect carrying a new code for `org`."""
        code = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:
            # Expired codes leave as new ones come: the table stays small.
            self._codes = {k: v for k, v in self._codes.items() if v.expires > now}
            self._codes[code] = _Code(request, org, now + CODE_LIFETIME)
        sep = "&" if "?" in request.redirect_uri else "?"
        return request.redirect_uri + sep + urlencode({"code": code, "state": request.state})

    def redeem(self, form: dict[str, str]) -> tuple[str | None, str]:
        """(organisation, "") for a good code exchange, else (None, why)."""
        with self._lock:
            found = self._codes.pop(form.get("code", ""), None)  # single use, even if refused
        if found is None or found.expires < time.monotonic():
            return None, "unknown, used or expired code"
        request = found.request
        if form.get("client_id") != request.client_id:
            return None, "the code was issued to another client"
        if form.get("redirect_uri") != request.redirect_uri:
            return None, "redirect_uri differs from the authorization request's"
        verifier = form.get("code_verifier", "")
        if not VERIFIER.fullmatch(verifier) or not secrets.compare_digest(
            s256(verifier), request.code_challenge
        ):
            return None, "code_verifier does not match the code_challenge"
        return found.org, ""

    def page(self, request: Request) -> str:
        return picker_page(request, self.organisations())


STYLE = """
body{font:1rem/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#fff}
main{max-width:40rem;margin:0 auto;padding:1.5rem}
.note{background:#fff4ce;border-left:4px solid #8a6100;padding:.5rem 1rem}
fieldset{border:1px solid #767676;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}
label{display:block;padding:.25rem 0}
button{font:inherit;padding:.5rem 1.25rem;background:#0b5394;color:#fff;border:0;
border-radius:4px;cursor:pointer}
button:focus,input:focus{outline:3px solid #1a1a1a;outline-offset:2px}
"""
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def picker_page(request: Request, orgs: list[tuple[str, str, str]]) -> str:
    e = html.escape
    hidden = "".join(
        f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in request.fields().items()
    )
    groups = []
    first = True
    for kind, title in KIND_TITLES.items():
        items = []
        for k, org_id, name in orgs:
            if k != kind:
                continue
            checked = " checked" if first else ""
            first = False
            ident = "org-" + re.sub(r"[^A-Za-z0-9_-]", "-", org_id)
            items.append(
                f'<label for="{e(ident)}"><input type="radio" id="{e(ident)}" name="org" '
                f'value="{e(org_id)}"{checked} required> {e(name)} <code>{e(org_id)}</code>'
                "</label>"
            )
        if items:
            groups.append(f"<fieldset><legend>{e(title)}</legend>{''.join(items)}</fieldset>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Sign in to Cohort (development)</title><style>{STYLE}</style></head><body>"
        '<main id="main"><h1>Sign in to Cohort</h1>'
        '<p class="note">Development sign-in: choose the organisation you act for. '
        "There is no password; this page exists only on your own machine.</p>"
        f"<p>The application <code>{e(request.client_id)}</code> asks who you are.</p>"
        f'<form method="post" action="authorize">{hidden}{"".join(groups)}'
        '<button type="submit">Sign in</button></form></main></body></html>'
    )


def error_page(why: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Sign-in refused</title></head><body><main><h1>Sign-in refused</h1>"
        f"<p>{html.escape(why)}</p></main></body></html>"
    )
