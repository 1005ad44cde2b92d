"""Checking a credential someone hands over: signature, issuer key, status list.

One function for `POST /verify` (JSON) and the verification page's file upload, so a
person and a machine get the same answer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import asyncpg
from fastapi import HTTPException

from . import store
from .credentials.canon import TooComplex
from .credentials.document import Urls
from .credentials.verifying import Resolver, Verification, VerificationMethod, verify
from .keyring import verification_methods

# Canonicalisation is CPU-bound pure Python: it runs in worker threads (the event loop
# keeps answering), two at a time, each bounded by canon's work limit.
_WORKERS = asyncio.Semaphore(2)


async def verified(document: dict[str, Any], resolve: Resolver) -> Verification:
    """`verify` off the event loop; 422 for a document beyond the canonicaliser's limits."""
    async with _WORKERS:
        try:
            return await asyncio.to_thread(verify, document, resolve)
        except TooComplex as exc:
            raise HTTPException(422, f"credential too complex to verify: {exc}") from exc
        except RecursionError as exc:
            raise HTTPException(422, "credential nested too deeply to verify") from exc


@dataclass(frozen=True)
class Checked:
    answer: dict[str, Any]  # what `POST /verify` returns
    certificate: asyncpg.Record | None  # the stored certificate it is, when genuine


async def check_credential(con: store.Con, urls: Urls, credential: dict[str, Any]) -> Checked:
    """`status` is valid, revoked or invalid; `errors` says why it is invalid."""
    proof = credential.get("proof")
    method_id = proof.get("verificationMethod") if isinstance(proof, dict) else None
    key = await store.key(con, method_id) if isinstance(method_id, str) else None
    methods: dict[str, VerificationMethod] = {}
    if key is not None:
        methods = await verification_methods(con, urls, key["agency"])
    check = await verified(credential, methods.get)
    revoked: Any = None
    reason: str | None = None
    row: asyncpg.Record | None = None
    entry = credential.get("credentialStatus")
    entry = entry if isinstance(entry, dict) else {}
    if check.verified and key is not None and entry.get("type") == "BitstringStatusListEntry":
        if entry.get("statusListCredential") != urls.status_list(key["agency"]):
            check.errors.append("status list of another issuer")
        else:
            index = str(entry.get("statusListIndex", ""))
            if index.isdigit() and len(index) < 10:  # signed but malformed: not a 500
                row = await store.certificate_by_status(con, key["agency"], int(index))
            else:
                check.errors.append("status list index is not a number")
            revoked = row is not None and row["revoked_at"] is not None
            reason = row["revocation_reason"] if revoked and row else None
    valid = check.verified and not check.errors
    status = "revoked" if valid and revoked else ("valid" if valid else "invalid")
    answer = {
        "status": status,
        "signature": check.verified,
        "issuer": check.issuer,
        "verification_method": check.verification_method,
        "errors": check.errors,
        "reason": reason if status == "revoked" else None,
    }
    return Checked(answer, row if status != "invalid" else None)
