"""The verification page people reach from a certificate's QR code, and its file check.

- `GET /verify/{code}` with `Accept: text/html` (api.py asks `code_page`): the status in
  words, what the certificate says, the issuer's key fingerprint and the documents.
- `GET /verify`: the file check form alone; `POST /verify/file` (multipart, field
  `credential`): the uploaded JSON checked by `checking.check_credential`, the same code
  as `POST /verify`, and the answer in words.
- Language: `?lang=` (the switch), then Accept-Language, then the certificate's language.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from cohort_kit.auth import public
from cohort_kit.languages import NAMES
from cohort_kit.pages import PAGE_HEADERS, css_response, language_context, stylesheet, templates
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from . import store
from .checking import check_credential, verified
from .credentials.document import Urls
from .keyring import verification_methods
from .localise import day
from .settings import CertificationSettings
from .texts import LANGUAGES, TEXTS, accepted, certificate_language, language
from .verifyview import VerifyView, certificate_view, file_errors, unknown_view

HERE = Path(__file__).parent
CSS_PATH = "/assets/verify.css"
CSS = stylesheet(HERE / "static" / "verify.css")
TEMPLATES = templates(HERE / "templates")
# Public pages (anyone with the code may read them) with the kit's page headers: nothing
# from elsewhere, no framing; an uploaded file is answered once and never cached.
HEADERS = PAGE_HEADERS
MAX_FILE_BYTES = 256 * 1024  # a credential is a few kB; a larger file is not one of ours


class VerifyPages:
    def __init__(self, pool: Any, settings: CertificationSettings, urls: Urls) -> None:
        self.pool = pool  # () -> asyncpg.Pool
        self.settings = settings
        self.urls = urls

    def _lang(self, request: Request, certificate: str | None = None) -> str:
        return language(
            request.query_params.get("lang"),
            *accepted(request.headers.get("accept-language")),
            certificate,
        )

    def _render(
        self, name: str, lang: str, request: Request, status: int = 200, **context: Any
    ) -> HTMLResponse:
        path = "/verify" if request.method == "POST" else request.url.path  # no GET of a POST
        switch = [(code, NAMES[code], f"{path}?lang={code}") for code in LANGUAGES]
        html = TEMPLATES.get_template(name).render(
            **language_context(lang, TEXTS),
            css=CSS_PATH,
            switch=switch,
            upload_action="/verify/file",
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def _issuer_name(self, row: Any) -> str:
        agency = row["agency"]
        issuer = (row["credential"] or {}).get("issuer") or {}
        return str(issuer.get("name") or self.settings.agency_names.get(agency, agency.upper()))

    async def _view(self, con: asyncpg.Connection, row: Any, lang: str) -> VerifyView:
        methods = await verification_methods(con, self.urls, row["agency"])
        credential = row["credential"]
        check = await verified(credential, methods.get)
        key = await store.key(con, check.verification_method or "")
        newer = None
        if row["superseded_by"]:
            replacement = await store.certificate(con, row["superseded_by"])
            if replacement is not None:
                newer = f"{self.urls.verify(replacement['verification_code'])}?lang={lang}"
        return certificate_view(
            row,
            lang,
            signature_ok=check.verified,
            issuer_name=self._issuer_name(row),
            key=key,
            superseded_url=newer,
            json_url=self.urls.credential(row["url_id"]),
            pdf_url=self.urls.pdf(row["url_id"]),
        )

    async def code_page(self, request: Request, row: Any) -> HTMLResponse:
        """The page of one verification code (`row` None: no such code, 404)."""
        if row is None:
            lang = self._lang(request)
            return self._render("verify.html.j2", lang, request, 404, view=unknown_view(lang))
        lang = self._lang(request, certificate_language(row["facts"]))
        async with self.pool().acquire() as con:
            view = await self._view(con, row, lang)
        return self._render("verify.html.j2", lang, request, view=view)

    def router(self) -> APIRouter:
        router = APIRouter(tags=["verification page"], default_response_class=HTMLResponse)

        @router.get(
            "/verify",
            summary="Check a credential file",
            dependencies=[public("the form to check a credential file: no data")],
        )
        async def upload_form(request: Request) -> Response:
            return self._render("upload.html.j2", self._lang(request), request, result=None)

        @router.post(
            "/verify/file",
            summary="Check an uploaded credential file and answer in words",
            dependencies=[public("verifies what the caller already holds")],
        )
        async def upload(request: Request) -> Response:
            lang = self._lang(request)
            t = TEXTS[lang]
            size = request.headers.get("content-length") or "0"
            if not size.isdigit() or int(size) > MAX_FILE_BYTES + 4096:
                return self._answer(request, lang, 413, t["file_too_large"])
            async with request.form(max_files=1, max_fields=4) as form:
                lang = self._lang_of_form(request, form.get("lang"))
                t = TEXTS[lang]
                upload = form.get("credential")
                if not isinstance(upload, UploadFile) or not upload.filename:
                    return self._answer(request, lang, 400, t["file_missing"])
                body = await upload.read(MAX_FILE_BYTES + 1)
            if len(body) > MAX_FILE_BYTES:
                return self._answer(request, lang, 413, t["file_too_large"])
            try:
                credential = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                credential = None
            if not isinstance(credential, dict):
                return self._answer(request, lang, 400, t["file_unreadable"])
            async with self.pool().acquire() as con:
                checked = await check_credential(con, self.urls, credential)
                view = None
                if checked.certificate is not None:
                    view = await self._view(con, checked.certificate, lang)
            answer = checked.answer
            status = answer["status"]
            issuer = self._issuer_name(checked.certificate) if checked.certificate else ""
            result = {
                "status": status,
                "title": t[f"file_{status}_title"],
                "text": t["file_valid_text"].format(issuer=issuer) if status == "valid" else "",
                "errors": file_errors(answer["errors"], lang) if status == "invalid" else [],
                "checked_on": t["checked_on"].format(date=day(datetime.now(UTC).date(), lang)),
            }
            return self._render("upload.html.j2", lang, request, result=result, view=view)

        @router.get(
            CSS_PATH,
            include_in_schema=False,
            dependencies=[public("the verification pages' style sheet: no data")],
        )
        async def stylesheet() -> Response:
            return css_response(CSS)

        return router

    def _lang_of_form(self, request: Request, chosen: Any) -> str:
        return language(
            chosen if isinstance(chosen, str) else None,
            request.query_params.get("lang"),
            *accepted(request.headers.get("accept-language")),
        )

    def _answer(self, request: Request, lang: str, status: int, problem: str) -> HTMLResponse:
        result = {
            "status": "invalid",
            "title": TEXTS[lang]["file_invalid_title"],
            "text": "",
            "errors": [problem],
            "checked_on": "",
        }
        return self._render("upload.html.j2", lang, request, status, result=result, view=None)
