"""HTTP: credentials, PDFs, verification (people and machines), status lists, issuers,
the registry of certified trainers."""

from __future__ import annotations

import asyncio
import html
import json
from datetime import UTC, datetime
from typing import Any

from cohort_kit import Runtime
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from . import store
from .credentials import status_list
from .credentials.canon import CREDENTIAL_CONTEXT, TooComplex
from .credentials.document import Urls, issuer_profile, status_list_document
from .credentials.signing import sign
from .credentials.verifying import Resolver, Verification, VerificationMethod, verify
from .domain import normalise_code, xml_datetime
from .keyring import signing_key, verification_methods
from .settings import CertificationSettings

LD_JSON = "application/ld+json"
MAX_UPLOAD_BYTES = 64 * 1024  # an issued credential is ~3 kB


def make_api(runtime: Runtime, settings: CertificationSettings) -> APIRouter:
    router = APIRouter(tags=["certification"])
    urls = Urls(settings.public_base_url.rstrip("/"))

    def pool() -> Any:
        if runtime.pool is None:
            raise HTTPException(503, "not started")
        return runtime.pool

    # Canonicalisation is CPU-bound pure Python: worker threads (the event loop keeps
    # answering), two at a time, each bounded by canon's work limit.
    workers = asyncio.Semaphore(2)

    async def checked(document: dict[str, Any], resolve: Resolver) -> Verification:
        async with workers:
            try:
                return await asyncio.to_thread(verify, document, resolve)
            except TooComplex as exc:
                raise HTTPException(422, f"credential too complex to verify: {exc}") from exc
            except RecursionError as exc:
                raise HTTPException(422, "credential nested too deeply to verify") from exc

    async def load(url_id: str) -> Any:
        async with pool().acquire() as con:
            row = await store.certificate_by_url_id(con, url_id)
        if row is None:
            raise HTTPException(404, "unknown certificate")
        return row

    @router.get("/credentials/{url_id}.pdf", summary="The printable certificate")
    async def credential_pdf(url_id: str) -> Response:
        row = await load(url_id)
        # Imported on first use: fpdf and its fonts cost ~50 MB that an idle service,
        # or one that only verifies, does not need.
        from .pdf import render

        body = render(dict(row), urls.verify(row["verification_code"]))
        return Response(body, media_type="application/pdf")

    @router.get("/credentials/{url_id}", summary="The signed OB 3.0 credential")
    async def credential(url_id: str) -> Response:
        row = await load(url_id)
        return JSONResponse(row["credential"], media_type=LD_JSON)

    async def status_of(row: Any) -> dict[str, Any]:
        async with pool().acquire() as con:
            methods = await verification_methods(con, urls, row["agency"])
        check = await checked(row["credential"], methods.get)
        state = "revoked" if row["revoked_at"] else ("valid" if check.verified else "invalid")
        facts = row["facts"]
        return {
            "status": state,
            "certificate_id": row["certificate_id"],
            "number": row["number"],
            "verification_code": row["verification_code"],
            "reason": row["revocation_reason"],
            "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
            "superseded_by": row["superseded_by"],
            "issued_at": row["issued_at"].isoformat(),
            "holder": f"{facts['participant']['given_name']} {facts['participant']['family_name']}",
            "course": row["credential"]["name"],
            "issuer": row["credential"]["issuer"]["name"],
            "errors": check.errors,
            "credential_url": urls.credential(row["url_id"]),
        }

    @router.get("/verify/{code}", summary="Verify a certificate by its code (HTML or JSON)")
    async def verify_code(code: str, request: Request) -> Response:
        async with pool().acquire() as con:
            row = await store.certificate_by_code(con, normalise_code(code))
        result = (
            {"status": "unknown", "verification_code": code}
            if row is None
            else await status_of(row)
        )
        if "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(_page(result), status_code=200 if row else 404)
        return JSONResponse(result, status_code=200 if row else 404)

    @router.post(
        "/verify",
        summary="Verify an uploaded credential: signature, issuer, status",
        responses={
            413: {"description": f"Larger than {MAX_UPLOAD_BYTES} bytes."},
            422: {"description": "Not a JSON object, or too complex to canonicalise."},
        },
        # The body is read by hand (size first, then parsed), so it is declared here.
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    )
    async def verify_upload(request: Request) -> dict[str, Any]:
        credential = await _bounded_json(request)
        proof = credential.get("proof")
        method_id = proof.get("verificationMethod") if isinstance(proof, dict) else None
        async with pool().acquire() as con:
            key = await store.key(con, method_id) if isinstance(method_id, str) else None
            methods: dict[str, VerificationMethod] = {}
            if key is not None:
                methods = await verification_methods(con, urls, key["agency"])
        check = await checked(credential, methods.get)
        async with pool().acquire() as con:
            revoked: Any = None
            reason: str | None = None
            entry = credential.get("credentialStatus")
            if (
                check.verified
                and key is not None
                and isinstance(entry, dict)
                and entry.get("type") == "BitstringStatusListEntry"
            ):
                if entry.get("statusListCredential") != urls.status_list(key["agency"]):
                    check.errors.append("status list of another issuer")
                else:
                    row = await store.certificate_by_status(
                        con, key["agency"], int(entry.get("statusListIndex", -1))
                    )
                    revoked = row is not None and row["revoked_at"] is not None
                    reason = row["revocation_reason"] if revoked and row else None
        valid = check.verified and not check.errors
        status = "revoked" if valid and revoked else ("valid" if valid else "invalid")
        return {
            "status": status,
            "signature": check.verified,
            "issuer": check.issuer,
            "verification_method": check.verification_method,
            "errors": check.errors,
            "reason": reason if status == "revoked" else None,
        }

    @router.get("/status-lists/{agency}", summary="The agency's Bitstring status list credential")
    async def status_list_credential(agency: str) -> Response:
        async with pool().acquire() as con, con.transaction():
            if not await store.keys_of(con, agency) and agency not in settings.signing_keys:
                raise HTTPException(404, "unknown issuer")
            indices = await store.revoked_indices(con, agency)
            key = await signing_key(con, settings, urls, agency)
        name = settings.agency_names.get(agency, agency.upper())
        now = xml_datetime(datetime.now(UTC))
        doc = status_list_document(urls, agency, name, status_list.encode(indices), now)
        return JSONResponse(sign(doc, key, now), media_type=LD_JSON)

    @router.get("/issuers/{agency}", summary="Issuer profile and controller document of its keys")
    async def issuer(agency: str) -> Response:
        async with pool().acquire() as con:
            rows = await store.keys_of(con, agency)
        if not rows:
            raise HTTPException(404, "unknown issuer")
        controller = urls.issuer(agency)
        methods = [
            {
                "id": r["key_id"],
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": r["public_key_multibase"],
            }
            for r in rows
        ]
        profile = issuer_profile(urls, agency, settings.agency_names.get(agency, agency.upper()))
        document = {
            "@context": [
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/multikey/v1",
                *CREDENTIAL_CONTEXT,
            ],
            **profile,
            "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods],
            "activeKey": next((r["key_id"] for r in rows if r["active"]), None),
        }
        return JSONResponse(document, media_type=LD_JSON)

    @router.get("/trainers", summary="Certified trainers by programme and country")
    async def trainers(programme: str | None = None, country: str | None = None) -> list[dict]:
        async with pool().acquire() as con:
            rows = await store.trainers(con, programme, country)
        return [{**dict(r), "certified_at": r["certified_at"].isoformat()} for r in rows]

    @router.get(
        "/sessions/uncertified-facilitators",
        summary="Sessions whose facilitators are not certified trainers of the programme",
    )
    async def uncertified() -> list[dict]:
        async with pool().acquire() as con:
            rows = await store.sessions_with_uncertified_facilitators(con)
        return [dict(r) for r in rows]

    return router


async def _bounded_json(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, refused (413) before it grows past the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"a credential is at most {MAX_UPLOAD_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"a credential is at most {MAX_UPLOAD_BYTES} bytes")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise HTTPException(422, "the body is not JSON (or nests too deeply)") from exc
    if not isinstance(document, dict):
        raise HTTPException(422, "the body must be a JSON object (a credential)")
    return document


def _page(result: dict[str, Any]) -> str:
    status = result["status"]
    colour = {"valid": "#1a7f37", "revoked": "#b42318"}.get(status, "#555")
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(result.get(k) or ''))}</td></tr>"
        for k in ("holder", "course", "issuer", "number", "issued_at", "reason")
        if result.get(k)
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Certificate verification</title>"
        "</head><body style='font-family:sans-serif;max-width:40em;margin:2em auto'>"
        f"<h1 style='color:{colour}'>{html.escape(status.upper())}</h1><table>{rows}</table>"
        "</body></html>"
    )
