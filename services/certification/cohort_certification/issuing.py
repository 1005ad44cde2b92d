"""Issuing one certificate: number it, sign its credential, store it, announce it.

`issue` runs inside the unit's transaction; each step below fits on a screen. A name
correction reissues through the same path with `supersedes` (the old one is revoked).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from cohort_contracts.certificates import CertificateIssued, CertificateRevoked, TrainerCertified
from cohort_kit import Unit, ownership
from pydantic import BaseModel

from . import store
from .credentials.document import credential_document
from .credentials.signing import sign
from .deps import Deps
from .domain import (
    certificate_id,
    certificate_number,
    credential_url_id,
    verification_code,
    xml_datetime,
)
from .keyring import signing_key

# Everything issuing may put into the outbox (the handlers' `emits=`).
ISSUES: list[type[BaseModel]] = [CertificateIssued, CertificateRevoked, TrainerCertified]
IDS = ("enrolment_id", "participant_id", "course_id", "session_id")


@dataclass(frozen=True)
class Numbers:
    """The new certificate's identifiers, all taken inside the transaction."""

    year: int
    seq: int
    cid: str
    url_id: str
    code: str
    status_index: int


async def issue(
    unit: Unit[Any, Deps],
    ids: dict[str, Any],
    facts: dict[str, Any],
    kind: str,
    supersedes: asyncpg.Record | None = None,
) -> None:
    agency, issued_at = ids["agency"], unit.event.time
    n = await _numbers(unit.con, unit.deps, agency, issued_at)
    credential = await _credential(unit.con, unit.deps, n, agency, kind, issued_at, facts)
    if supersedes is not None:
        await _supersede(unit, supersedes["certificate_id"], n.cid, agency)
    row = {
        **{k: ids[k] for k in IDS},
        "certificate_id": n.cid,
        "url_id": n.url_id,
        "number": certificate_number(agency, n.year, n.seq),
        "verification_code": n.code,
        "agency": agency,
        "kind": kind,
        "issued_at": issued_at,
        "status_index": n.status_index,
        "facts": facts,
        "credential": credential,
    }
    await store.insert_certificate(unit.con, row)
    await ownership.claim(unit.con, "certificate", n.cid, agency)  # revocable by its issuer
    await _announce(unit, row, facts["course"].get("qualification"))
    course = facts["course"]
    if course.get("training_of_trainers") or kind == "trainer":
        await _certify_trainer(unit, row, course["programme"], facts["participant"])


async def _numbers(
    con: asyncpg.Connection, deps: Deps, agency: str, issued_at: datetime
) -> Numbers:
    year = issued_at.astimezone(UTC).year
    seq = await store.next_number(con, agency, year)
    cid = certificate_id(agency, year, seq)
    attempt = 0
    code = verification_code(deps.secret, cid)
    while await store.code_taken(con, code):
        attempt += 1
        code = verification_code(deps.secret, cid, attempt)
    status_index = await store.next_status_index(con, agency)
    url_id = credential_url_id(deps.secret, cid)
    return Numbers(year, seq, cid, url_id, code, status_index)


async def _credential(
    con: asyncpg.Connection,
    deps: Deps,
    n: Numbers,
    agency: str,
    kind: str,
    issued_at: datetime,
    facts: dict[str, Any],
) -> Any:
    document = credential_document(
        urls=deps.urls,
        secret=deps.secret,
        certificate_id=n.cid,
        url_id=n.url_id,
        agency=agency,
        agency_name=deps.agency_name(agency),
        kind=kind,
        issued_at=issued_at,
        status_index=n.status_index,
        facts=facts,
    )
    key = await signing_key(con, deps.settings, deps.urls, agency)
    # ~1 ms of CPU (canonicalised by shape): on the loop, or in a worker process when a pool
    # is configured. One at a time per consumer: see docs/performance.md.
    return await deps.workers.run_short(sign, document, key, xml_datetime(issued_at))


async def _supersede(unit: Unit[Any, Deps], old: str, cid: str, agency: str) -> None:
    reason = f"superseded by {cid} (name corrected)"
    await store.revoke(unit.con, old, reason, unit.event.time, cid)
    await unit.emit(
        CertificateRevoked(certificate_id=old, reason=reason),
        subject_id=old,
        agency=agency,
        key=f"revoked:{old}",
    )


async def _announce(unit: Unit[Any, Deps], row: dict[str, Any], qualification: Any) -> None:
    cid, urls = row["certificate_id"], unit.deps.urls
    await unit.emit(
        CertificateIssued(
            certificate_id=cid,
            verification_code=row["verification_code"],
            **{k: row[k] for k in IDS},
            kind=row["kind"],
            qualification=qualification,
            issued_at=row["issued_at"],
            credential_url=urls.credential(row["url_id"]),
            pdf_url=urls.pdf(row["url_id"]),
        ),
        subject_id=cid,
        agency=row["agency"],
        key=f"issued:{cid}",
    )


async def _certify_trainer(
    unit: Unit[Any, Deps], row: dict[str, Any], programme: str, person: dict[str, Any]
) -> None:
    cid, agency, trainer = row["certificate_id"], row["agency"], row["participant_id"]
    await store.add_trainer(
        unit.con,
        {
            "trainer_id": trainer,
            "programme": programme,
            "agency": agency,
            "country": person.get("country_of_residence"),
            "certificate_id": cid,
            "certified_at": row["issued_at"],
        },
    )
    await unit.emit(
        TrainerCertified(trainer_id=trainer, programme=programme, certificate_id=cid),
        subject_id=trainer,
        agency=agency,
        key=f"trainer:{cid}",
    )
