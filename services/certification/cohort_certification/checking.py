"""Checking a credential someone hands over: signature, issuer key, status list.

One function for `POST /verify` (JSON) and the verification page's file upload, so a
person and a machine get the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from . import store
from .credentials.document import Urls
from .credentials.verifying import VerificationMethod, verify
from .keyring import verification_methods


@dataclass(frozen=True)
class Checked:
    answer: dict[str, Any]  # what `POST /verify` returns
    certificate: asyncpg.Record | None  # the stored certificate it is, when genuine


async def check_credential(con: store.Con, urls: Urls, credential: dict[str, Any]) -> Checked:
    """`status` is valid, revoked or invalid; `errors` says why it is invalid."""
    method_id = (credential.get("proof") or {}).get("verificationMethod") or ""
    key = await store.key(con, method_id) if isinstance(method_id, str) else None
    methods: dict[str, VerificationMethod] = {}
    if key is not None:
        methods = await verification_methods(con, urls, key["agency"])
    check = verify(credential, methods.get)
    revoked: Any = None
    reason: str | None = None
    row: asyncpg.Record | None = None
    entry = credential.get("credentialStatus") or {}
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
