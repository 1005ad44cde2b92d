"""The participant page: `GET /me?token=...`, the link re-request form, and its stylesheet.

- A good link shows that participant's sessions, materials and certificates, in their
  preferred language (en, fr, ar; else en).
- A tampered, malformed or unknown link gets 403 and an expired one 410, with the same page
  (what happened, and the form to get a new link); neither says whether anyone exists.
- `POST /me/link` (form field `email`) answers the same page whatever the address; the
  lookup and the outbox write happen after the answer is sent (a Starlette background
  task), so the answer's timing does not tell either. The new link is only ever e-mailed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import asyncpg
import structlog
from cohort_kit.auth import public
from cohort_kit.pages import PAGE_HEADERS, css_response, language_context, stylesheet, templates
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask

from .. import store
from ..texts import TEXTS, accepted, language
from .links import PAGE_PATH, Opened, Refusal
from .view import page_view

if TYPE_CHECKING:
    from cohort_kit import Runtime

    from .issuing import LinkIssuer

log = structlog.get_logger(__name__)
HERE = Path(__file__).parent
CSS = stylesheet(HERE / "static" / "page.css")
TEMPLATES = templates(HERE / "templates")
# Personal pages: the kit's page headers (never cached or framed, the token never leaves in
# a Referer, only this service's stylesheet and form), and never indexed.
HEADERS = PAGE_HEADERS | {"X-Robots-Tag": "noindex, nofollow"}
MAX_FORM_BYTES = 4096


def render(name: str, lang: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(
        **language_context(lang, TEXTS),
        css=f"{PAGE_PATH}/page.css",
        form_action=f"{PAGE_PATH}/link",
        **context,
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def _visitor_language(request: Request, *wanted: str | None) -> str:
    return language(*wanted, *accepted(request.headers.get("accept-language")))


def make_page(runtime: Runtime, issuer: LinkIssuer) -> APIRouter:
    router = APIRouter(tags=["participant page"])

    def pool() -> asyncpg.Pool:
        assert runtime.pool is not None, "the service is not started"
        return runtime.pool

    def refused(why: Refusal, lang: str) -> HTMLResponse:
        status = 410 if why is Refusal.EXPIRED else 403
        return render("message.html.j2", lang, status, kind=why.value, form=True, error=None)

    @router.get(
        PAGE_PATH,
        response_class=HTMLResponse,
        summary="A participant's page",
        dependencies=[public("the signed link in the query is the participant's credential")],
    )
    async def participant_page(request: Request, token: str | None = None) -> Response:
        visitor = _visitor_language(request, request.query_params.get("lang"))
        if token is None:
            return render("message.html.j2", visitor, kind="entry", form=True, error=None)
        opened = issuer.signer.open(token, issuer.clock())
        if not isinstance(opened, Opened):
            return refused(opened, visitor)
        async with pool().acquire() as con:
            profile = await store.profile(con, opened.participant_id)
            if profile is None:  # a genuine link of someone not (or no longer) known here
                return refused(Refusal.INVALID, visitor)
            sessions = await store.page_sessions(con, opened.participant_id)
            certificates = await store.page_certificates(con, opened.participant_id)
        lang = language(profile["preferred_language"])
        view = page_view(
            dict(profile),
            [dict(r) for r in sessions],
            [dict(r) for r in certificates],
            lang,
            opened.expires_at,
        )
        return render("page.html.j2", lang, view=view, error=None)

    @router.post(
        f"{PAGE_PATH}/link",
        response_class=HTMLResponse,
        summary="E-mail a new link",
        dependencies=[public("same answer for any address; the link only goes by e-mail")],
    )
    async def request_link(request: Request) -> Response:
        body = (await request.body())[:MAX_FORM_BYTES].decode("utf-8", "replace")
        form = parse_qs(body)
        email = (form.get("email") or [""])[0].strip()
        lang = _visitor_language(request, (form.get("lang") or [""])[0])
        if not email or "@" not in email or len(email) > 320:
            missing = TEXTS[lang]["email_missing"]
            return render("message.html.j2", lang, 400, kind="entry", form=True, error=missing)
        page = render("message.html.j2", lang, kind="sent", form=False, error=None)
        page.background = BackgroundTask(send_link, email)
        return page

    async def send_link(email: str) -> None:
        try:
            async with pool().acquire() as con, con.transaction():
                sent = await issuer.requested(con, email)
            log.info("page link requested", links_queued=sent)
        except Exception:  # the visitor has their answer already; try again is theirs
            log.exception("page link request failed")

    @router.get(
        f"{PAGE_PATH}/page.css",
        include_in_schema=False,
        dependencies=[public("the page's stylesheet")],
    )
    async def stylesheet() -> Response:
        return css_response(CSS)

    return router
