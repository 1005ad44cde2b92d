"""Forgetting a participant (issue 17), on the intake router.

Erasure is not revocation: a credential already issued still verifies (the holder's copy
is theirs, and the status list bit stays as it was). The register keeps only what
verification needs: id, number, verification code, status index, kind, course, session,
dates, and the SHA-256 of the signed credential; the credential and facts lose the name,
the hashed e-mail and the rest of the person. The participant's facts are deleted, so no
certificate is issued to them afterwards.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import structlog
from cohort_kit import Router, Unit
from cohort_kit.erasure import access_router, check_owner, confirm_erased

from . import store

log = structlog.get_logger(__name__)

ERASES = {"participants": ("data",), "certificates": ("facts", "credential")}
KEPT = (
    "certificate register rows (id, number, code, status index, course, session, dates)",
    "sha256 of each signed credential",
    "trainer registry entries (participant id, programme, country)",
)


def credential_hash(credential: dict[str, Any]) -> str:
    """SHA-256 of a credential's canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(credential, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def stripped(credential: dict[str, Any], facts: dict[str, Any], pid: str) -> tuple[dict, dict]:
    """What stays of a credential and its facts once the holder is forgotten."""
    issuer = credential.get("issuer") or {}
    kept = {
        "erased": True,
        "name": credential.get("name"),
        "issuer": {"id": issuer.get("id"), "name": issuer.get("name")},
    }
    return kept, {**facts, "participant": {"participant_id": pid, "erased": True}}


def register(intake: Router) -> None:
    intake.on("participant.erasure_requested.v1")(participant_erasure_requested)


async def participant_erasure_requested(unit: Unit) -> None:
    pid = unit.payload.participant_id
    person = await store.fact(unit.con, "participants", "participant_id", pid)
    check_owner(unit, person["agency"] if person else None)
    certs = await store.certificates_of(unit.con, pid)
    for row in certs:
        if row["erased_at"] is not None:
            continue
        credential, facts = stripped(row["credential"], row["facts"], pid)
        await store.strip_certificate(
            unit.con,
            row["certificate_id"],
            credential_hash(row["credential"]),
            credential,
            facts,
            unit.event.time,
        )
    await store.forget_participant(unit.con, pid)
    await confirm_erased(unit, kept=KEPT)
    log.info("participant forgotten", certificates=len(certs))


def access(runtime: Any) -> Any:
    async def owner(con: Any, pid: str) -> str | None:
        row = await store.fact(con, "participants", "participant_id", pid)
        return row["agency"] if row else None

    return access_router(runtime, store.export_participant, owner)
