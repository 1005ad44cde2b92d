"""HTTP: credentials, PDFs, verification (people and machines), status lists, issuers,
the registry of certified trainers.

Verification is public by design: a credential, its PDF (both by an unguessable id), the
verification page, status lists and issuer documents are what a verifier anywhere needs.
The trainers registry and the facilitator check name people: only their agency reads them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from typing import Any

from cohort_kit import Runtime
from cohort_kit.auth import Principal, public, require
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from . import store
from .checking import check_credential, verified
from .credentials import status_list
from .credentials.canon import CREDENTIAL_CONTEXT
from .credentials.document import Urls, issuer_profile, status_list_document
from .credentials.signing import sign
from .domain import normalise_code, xml_datetime
from .keyring import signing_key, verification_methods
from .settings import CertificationSettings
from .verifypage import VerifyPages
from .workers import render_pdf

LD_JSON = "application/ld+json"
MAX_UPLOAD_BYTES = 64 * 1024  # an issued credential is ~3 kB


def make_api(runtime: Runtime, settings: CertificationSettings) -> APIRouter:
    router = APIRouter(tags=["certification"])
    urls = Urls(settings.public_base_url.rstrip("/"))

    def pool() -> Any:
        if runtime.pool is None:
            raise HTTPException(503, "not started")
        return runtime.pool

    pages = VerifyPages(pool, settings, urls)
    router.include_router(pages.router())

    # What anyone holding the link may fetch.
    by_url = partial(
        router.get, dependencies=[public("credentials are shared by their unguessable URL")]
    )

    async def load(url_id: str) -> Any:
        async with pool().acquire() as con:
            row = await store.certificate_by_url_id(con, url_id)
        if row is None:
            raise HTTPException(404, "unknown certificate")
        if row["erased_at"] is not None:
            # The holder was forgotten: only the holder's own copy remains (see erasure.py).
            raise HTTPException(410, "the holder's data was erased; the holder keeps the copy")
        return row

    @by_url("/credentials/{url_id}.pdf", summary="The printable certificate")
    async def credential_pdf(url_id: str) -> Response:
        row = await load(url_id)
        agency = row["agency"]
        # Rendering is CPU-bound (~100 ms): in the workers, off the event loop; fpdf and its
        # fonts (~50 MB) are imported there, never by an idle or verifying service.
        body = await runtime.deps.workers.run(
            render_pdf,
            dict(row),
            urls.verify(row["verification_code"]),
            issuer=settings.agency_names.get(agency, agency.upper()),
            branding=settings.branding.get(agency),
        )
        return Response(body, media_type="application/pdf")

    @by_url("/credentials/{url_id}", summary="The signed OB 3.0 credential")
    async def credential(url_id: str) -> Response:
        row = await load(url_id)
        return JSONResponse(row["credential"], media_type=LD_JSON)

    async def status_of(row: Any) -> dict[str, Any]:
        async with pool().acquire() as con:
            methods = await verification_methods(con, urls, row["agency"])
        erased = row["erased_at"] is not None
        # An erased holder's credential is gone; it verified when issued and the register
        # keeps its hash. Erasure is not revocation, so the state is the register's.
        check = await verified(row["credential"], methods.get) if not erased else None
        ok = erased or (check is not None and check.verified)
        state = "revoked" if row["revoked_at"] else ("valid" if ok else "invalid")
        facts = row["facts"]
        person = facts["participant"]
        return {
            "status": state,
            "certificate_id": row["certificate_id"],
            "number": row["number"],
            "verification_code": row["verification_code"],
            "reason": row["revocation_reason"],
            "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
            "superseded_by": row["superseded_by"],
            "issued_at": row["issued_at"].isoformat(),
            "holder": None if erased else f"{person['given_name']} {person['family_name']}",
            "course": row["credential"]["name"],
            "issuer": row["credential"]["issuer"]["name"],
            "errors": check.errors if check else [],
            "credential_url": urls.credential(row["url_id"]),
        }

    @router.get(
        "/verify/{code}",
        summary="Verify a certificate by its code (HTML or JSON)",
        dependencies=[public("anyone holding a certificate's code may verify it")],
    )
    async def verify_code(code: str, request: Request) -> Response:
        async with pool().acquire() as con:
            row = await store.certificate_by_code(con, normalise_code(code))
        result = (
            {"status": "unknown", "verification_code": code}
            if row is None
            else await status_of(row)
        )
        if "text/html" in request.headers.get("accept", ""):
            return await pages.code_page(request, row)
        return JSONResponse(result, status_code=200 if row else 404)

    @router.post(
        "/verify",
        summary="Verify an uploaded credential: signature, issuer, status",
        dependencies=[public("verifies what the caller already holds")],
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
        async with pool().acquire() as con:
            return (await check_credential(con, urls, credential)).answer

    @router.get(
        "/status-lists/{agency}",
        summary="The agency's Bitstring status list credential",
        dependencies=[public("verifiers fetch it to check revocation")],
    )
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

    @router.get(
        "/issuers/{agency}",
        summary="Issuer profile and controller document of its keys",
        dependencies=[public("verifiers fetch the issuer's public keys")],
    )
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
    async def trainers(
        programme: str | None = None,
        country: str | None = None,
        caller: Principal = require("roster"),
    ) -> list[dict]:
        agencies = caller.values("roster:agency:")
        async with pool().acquire() as con:
            rows = await store.trainers(con, programme, country, agencies=agencies)
        return [{**dict(r), "certified_at": r["certified_at"].isoformat()} for r in rows]

    @router.get(
        "/sessions/uncertified-facilitators",
        summary="Sessions whose facilitators are not certified trainers of the programme",
    )
    async def uncertified(caller: Principal = require("roster")) -> list[dict]:
        agencies = caller.values("roster:agency:")
        async with pool().acquire() as con:
            rows = await store.sessions_with_uncertified_facilitators(con, agencies=agencies)
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
