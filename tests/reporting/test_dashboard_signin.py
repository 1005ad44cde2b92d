"""People sign in at the dashboard: authorization code with PKCE through the development
issuer (real HTTP on loopback, real signed tokens), the reporting app in-process.

What must be refused is refused: a wrong PKCE verifier, a code used twice or too late, a
redirect URI or client other than the authorization request's, a callback whose state is
not the browser's, a session cookie that was tampered with (signed out).
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cohort_cli import devauthorize
from cohort_cli.devissuer import DevIssuer
from cohort_kit import Runtime
from cohort_reporting.app import definition
from cohort_reporting.settings import ReportingSettings
from cohort_reporting.signin import FLOW, SESSION, challenge, unpack

from tests.auth import headers
from tests.reporting.test_reporting_service import play

pytestmark = pytest.mark.integration

VERIFIER = "v" * 20 + "-" * 13 + "x" * 20  # 53 unreserved characters
CALLBACK = "http://127.0.0.1:18083/signin-callback"
HTML = {"Accept": "text/html"}


def app_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:18083"
    )


@pytest.fixture
def unstarted_app():
    """The reporting HTTP app without its pool: enough for the sign-in routes and for what
    the page rule refuses before any handler runs."""
    return Runtime(definition, ReportingSettings(http_port=0)).http_app


def authorize_query(issuer: DevIssuer, **more: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "cohort-dashboard",
        "redirect_uri": CALLBACK,
        "state": "state-1",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
    } | more


def pick(issuer: DevIssuer, query: dict[str, str], org: str = "ministry:NER") -> dict[str, str]:
    """Press the picker's button for `org`: the code and state sent back to the client."""
    response = httpx.post(f"{issuer.issuer}/authorize", data=query | {"org": org})
    assert response.status_code == 303, response.text
    location = urlsplit(response.headers["location"])
    assert location._replace(query="").geturl() == query["redirect_uri"]
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def exchange(issuer: DevIssuer, code: str, **more: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": "cohort-dashboard",
        "code_verifier": VERIFIER,
    } | more
    return httpx.post(f"{issuer.issuer}/token", data=form)


# -- the development issuer's authorization code grant -------------------------------------


def test_the_picker_lists_the_registry_s_organisations_in_a_form(issuer):
    page = httpx.get(f"{issuer.issuer}/authorize", params=authorize_query(issuer))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert '<html lang="en">' in text and '<form method="post" action="authorize">' in text
    values = set(re.findall(r'name="org" value="([^"]+)"', text))
    assert {"ministry:NER", "ministry:COM", "donor:eu", "agency:iom", "ops"} <= values
    assert not any(v.startswith("service:") for v in values)
    for org in ("ministry:NER", "donor:nl"):
        ident = "org-" + org.replace(":", "-")
        assert f'<label for="{ident}"><input type="radio" id="{ident}"' in text


def test_a_good_exchange_gives_an_at_jwt_access_token_of_the_chosen_organisation(issuer):
    got = pick(issuer, authorize_query(issuer))
    assert got["state"] == "state-1"
    response = exchange(issuer, got["code"])
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["cohort_org"] == "ministry:NER" and claims["aud"] == "cohort-api"
    assert claims["azp"] == "cohort-dashboard"


def test_a_wrong_pkce_verifier_is_refused_and_burns_the_code(issuer):
    code = pick(issuer, authorize_query(issuer))["code"]
    wrong = exchange(issuer, code, code_verifier="w" * 53)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert "code_verifier" in wrong.json()["error_description"]
    assert exchange(issuer, code).status_code == 400  # the right one comes too late


def test_a_code_works_once(issuer):
    code = pick(issuer, authorize_query(issuer))["code"]
    assert exchange(issuer, code).status_code == 200
    again = exchange(issuer, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_redirect_uri_or_client_other_than_the_request_s_is_refused(issuer):
    code = pick(issuer, authorize_query(issuer))["code"]
    other = exchange(issuer, code, redirect_uri="http://127.0.0.1:1/signin-callback")
    assert other.status_code == 400 and "redirect_uri" in other.json()["error_description"]
    code = pick(issuer, authorize_query(issuer))["code"]
    other = exchange(issuer, code, client_id="ministry:NER")
    assert other.status_code == 400 and other.json()["error"] == "invalid_grant"


def test_an_expired_code_is_refused(issuer, monkeypatch):
    monkeypatch.setattr(devauthorize, "CODE_LIFETIME", -1.0)
    code = pick(issuer, authorize_query(issuer))["code"]
    assert exchange(issuer, code).status_code == 400


def test_the_authorize_endpoint_refuses_what_it_cannot_trust(issuer):
    url = f"{issuer.issuer}/authorize"
    # Never a redirect to a client or URI it does not know (RFC 6749 §4.1.2.1).
    for bad in (
        {"redirect_uri": "https://evil.example/cb"},
        {"client_id": "someone-else"},
        {"redirect_uri": "http://127.0.0.1:1/cb#frag"},
    ):
        response = httpx.get(url, params=authorize_query(issuer, **bad))
        assert response.status_code == 400 and "location" not in response.headers, bad
    # A known client without PKCE S256 is told so at its redirect URI.
    for bad in ({"code_challenge_method": "plain"}, {"code_challenge": ""}):
        response = httpx.get(url, params=authorize_query(issuer, **bad))
        assert response.status_code == 303, bad
        assert "error=invalid_request" in response.headers["location"]
    response = httpx.post(url, data=authorize_query(issuer) | {"org": "service:enrolment"})
    assert response.status_code == 400


# -- the dashboard's side ----------------------------------------------------------------------


async def test_a_browser_without_a_token_is_sent_to_sign_in_an_api_client_gets_401(
    unstarted_app,
):
    async with app_client(unstarted_app) as client:
        page = await client.get("/dashboard?scope=country:NER", headers=HTML)
        assert page.status_code == 303
        assert page.headers["location"] == "signin?next=scope%3Dcountry%3ANER"
        api = await client.get("/dashboard?scope=country:NER")
        assert api.status_code == 401 and api.headers["www-authenticate"].startswith("Bearer ")


async def test_signin_sends_the_browser_to_the_provider_with_an_s256_challenge(
    unstarted_app, issuer
):
    async with app_client(unstarted_app) as client:
        response = await client.get("/signin", params={"next": "scope=country:NER"})
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{issuer.issuer}/authorize"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["client_id"] == "cohort-dashboard"
    assert query["redirect_uri"] == CALLBACK  # this request's own base
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{FLOW}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Max-Age=600" in cookie and "Secure" not in cookie  # plain http here


async def sign_in(client: httpx.AsyncClient, issuer: DevIssuer, org: str) -> httpx.Response:
    """The whole flow, as a browser would follow it: the callback's response."""
    start = await client.get("/signin", params={"next": "scope=country:NER"})
    query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
    back = pick(issuer, query, org)
    return await client.get("/signin-callback", params=back)


async def test_a_state_other_than_the_browser_s_is_refused_before_any_exchange(
    unstarted_app, issuer
):
    async with app_client(unstarted_app) as client:
        start = await client.get("/signin")
        query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
        back = pick(issuer, query)
        flow = unpack(client.cookies[FLOW])
        assert flow is not None and flow["s"] == query["state"]
        forged = await client.get(
            "/signin-callback", params={"code": back["code"], "state": "someone-else-s"}
        )
        assert forged.status_code == 400 and SESSION not in forged.headers.get("set-cookie", "")
        # No flow cookie at all (a link sent by someone else): refused the same way.
        client.cookies.clear()
        alone = await client.get("/signin-callback", params=back)
        assert alone.status_code == 400
    # The code was never exchanged: it still works once (with the verifier it was made for).
    good = exchange(
        issuer, back["code"], redirect_uri=query["redirect_uri"], code_verifier=flow["v"]
    )
    assert good.status_code == 200


async def test_the_ministry_signs_in_and_reads_only_its_own_dashboard(
    js, reporting, database_url, issuer
):
    await play(js, database_url)
    async with app_client(reporting.http_app) as client:
        done = await sign_in(client, issuer, "ministry:NER")
        assert (
            done.status_code == 303 and done.headers["location"] == "dashboard?scope=country%3ANER"
        )
        session = next(c for c in done.headers.get_list("set-cookie") if c.startswith(SESSION))
        assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/" in session
        page = await client.get("/dashboard?scope=country:NER", headers=HTML)
        assert page.status_code == 200
        assert re.findall(r'<option value="([^"]+)"', page.text) == ["country:NER"]
        assert 'action="signout"' in page.text
        # Comoros by URL: 403, as for any scope it does not hold (reports exist for any).
        assert (await client.get("/dashboard?scope=country:COM", headers=HTML)).status_code == 403
        assert (await client.get("/dashboard?scope=country:XYZ", headers=HTML)).status_code == 403
        # The page's downloads take the cookie; the API stays bearer-only.
        csv = await client.get("/dashboard-download?scope=country:NER&format=csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        other = await client.get("/dashboard-download?scope=country:COM&format=csv")
        assert other.status_code == 403
        assert (await client.get("/reports?scope=country:NER")).status_code == 401
        # Signing out clears the cookie; the next page goes back to sign-in.
        out = await client.post("/signout")
        assert out.status_code == 200 and f"{SESSION}=;" in out.headers["set-cookie"]
        assert (await client.get("/dashboard", headers=HTML)).status_code == 303


async def test_a_tampered_or_foreign_session_cookie_signs_the_browser_out(unstarted_app, issuer):
    token = issuer.mint("ministry:NER")
    head, _, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False}) | {"cohort_org": "ops"}
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    id_token = issuer.mint("ministry:NER", typ="ID")  # Keycloak's kind of an ID token
    for value in (f"{head}.{forged_body}.{signature}", "not-a-token", id_token):
        async with app_client(unstarted_app) as client:
            client.cookies.set(SESSION, value)
            response = await client.get("/dashboard?scope=country:NER", headers=HTML)
        assert response.status_code == 303, value
        assert response.headers["location"].startswith("signin")
        cleared = response.headers["set-cookie"]
        assert cleared.startswith(f"{SESSION}=;") and "Max-Age=0" in cleared


async def test_a_bearer_header_still_works_and_wins_over_a_cookie(
    js, reporting, database_url, issuer
):
    async with app_client(reporting.http_app) as client:
        client.cookies.set(SESSION, issuer.mint("ministry:COM"))
        page = await client.get(
            "/dashboard?scope=country:NER", headers=HTML | headers("ministry:NER")
        )
        assert page.status_code == 200 and 'action="signout"' not in page.text
        bad = await client.get("/dashboard", headers=HTML | {"Authorization": "Bearer nope"})
        assert bad.status_code == 401


async def test_sign_out_from_another_site_is_refused(unstarted_app):
    async with app_client(unstarted_app) as client:
        response = await client.post("/signout", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and "set-cookie" not in response.headers
