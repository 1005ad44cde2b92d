"""One small function per event type: read the payload, apply the rules, store, emit."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any

import asyncpg
from cohort_contracts.certificates import CertificateIssued, CertificateRevoked, TrainerCertified
from cohort_kit import Invalid, NotYetApplicable, Router, Unit, ownership

from . import store
from .credentials.document import Urls, credential_document
from .credentials.signing import sign
from .domain import (
    certificate_id,
    certificate_number,
    credential_url_id,
    kind_for,
    verification_code,
    xml_datetime,
)
from .keyring import signing_key
from .settings import CertificationSettings


class Certifier:
    """The handlers with what they need from configuration (set when the runtime is built)."""

    def __init__(self, settings: CertificationSettings | None = None) -> None:
        # Set when the runtime is built: the settings hold secrets, so none exist at import.
        self._settings = settings
        self.intake = Router()
        self.completions = Router()
        self.intake.on("course.published.v1")(self.on_course)
        self.intake.on("session.scheduled.v1")(self.on_session)
        self.intake.on("session.rescheduled.v1")(self.on_reschedule)
        self.intake.on("participant.registered.v1")(self.on_participant)
        self.intake.on("certificate.revocation_requested.v1")(self.on_revocation)
        self.completions.on("enrolment.completed.v1")(self.on_completed)

    @property
    def settings(self) -> CertificationSettings:
        if self._settings is None:
            raise RuntimeError("the certifier's settings are set when the runtime is built")
        return self._settings

    @settings.setter
    def settings(self, value: CertificationSettings) -> None:
        self._settings = value

    @property
    def urls(self) -> Urls:
        return Urls(self.settings.public_base_url.rstrip("/"))

    # Facts ------------------------------------------------------------------------------

    async def on_course(self, unit: Unit) -> None:
        p = unit.payload
        await store.put_fact(
            unit.con,
            "courses",
            "course_id",
            p.course_id,
            unit.event.agency,
            p.model_dump(mode="json"),
        )

    async def on_session(self, unit: Unit) -> None:
        p = unit.payload
        await store.put_fact(
            unit.con,
            "sessions",
            "session_id",
            p.session_id,
            unit.event.agency,
            p.model_dump(mode="json"),
        )

    async def on_reschedule(self, unit: Unit) -> None:
        p = unit.payload
        known = await store.fact(unit.con, "sessions", "session_id", p.session_id)
        if known is None:
            if not unit.final:
                raise NotYetApplicable("unknown_session")
            raise Invalid("unknown_session", p.session_id)
        changes = p.model_dump(mode="json", exclude_none=True)
        await store.put_fact(
            unit.con,
            "sessions",
            "session_id",
            p.session_id,
            known["agency"],
            {**known["data"], **changes},
        )

    async def on_participant(self, unit: Unit) -> None:
        p = unit.payload
        data = p.model_dump(mode="json")
        before = await store.fact(unit.con, "participants", "participant_id", p.participant_id)
        await store.put_fact(
            unit.con, "participants", "participant_id", p.participant_id, unit.event.agency, data
        )
        if before is None or _name(before["data"]) == _name(data):
            return
        # A corrected name: reissue every live certificate, the old one revoked as superseded.
        for old in await store.live_certificates_of(unit.con, p.participant_id):
            facts = {**old["facts"], "participant": _person(data)}
            await self._issue(unit, dict(old), facts, old["kind"], supersedes=old)

    # Issuance ---------------------------------------------------------------------------

    async def on_completed(self, unit: Unit) -> None:
        c = unit.payload
        course = await store.fact(unit.con, "courses", "course_id", c.course_id)
        session = await store.fact(unit.con, "sessions", "session_id", c.session_id)
        person = await store.fact(unit.con, "participants", "participant_id", c.participant_id)
        missing = [
            name
            for name, row in (("course", course), ("session", session), ("participant", person))
            if row is None
        ]
        if missing or course is None or session is None or person is None:
            if not unit.final:
                raise NotYetApplicable("unknown_" + "_".join(missing))
            raise Invalid("unknown_facts", f"{c.enrolment_id}: unknown {', '.join(missing)}")
        kind = kind_for(c.outcome, course["data"]["certificate_kind"])
        if kind is None:
            return
        await store.lock_enrolment(unit.con, c.enrolment_id, kind)
        if await store.live_certificate(unit.con, c.enrolment_id, kind) is not None:
            return  # another completion event for the same enrolment already certified it
        facts = {
            "course": course["data"],
            "session": session["data"],
            "participant": _person(person["data"]),
        }
        ids = {
            "agency": course["agency"],
            "enrolment_id": c.enrolment_id,
            "participant_id": c.participant_id,
            "course_id": c.course_id,
            "session_id": c.session_id,
        }
        await self._issue(unit, ids, facts, kind)

    async def _issue(
        self,
        unit: Unit,
        ids: dict[str, Any],
        facts: dict[str, Any],
        kind: str,
        supersedes: asyncpg.Record | None = None,
    ) -> None:
        con, agency = unit.con, ids["agency"]
        issued_at = unit.event.time
        year = issued_at.astimezone(UTC).year
        seq = await store.next_number(con, agency, year)
        cid = certificate_id(agency, year, seq)
        url_id = credential_url_id(self.settings.secret, cid)
        attempt = 0
        code = verification_code(self.settings.secret, cid)
        while await store.code_taken(con, code):
            attempt += 1
            code = verification_code(self.settings.secret, cid, attempt)
        status_index = await store.next_status_index(con, agency)
        document = credential_document(
            urls=self.urls,
            secret=self.settings.secret,
            certificate_id=cid,
            url_id=url_id,
            agency=agency,
            agency_name=self.settings.agency_names.get(agency, agency.upper()),
            kind=kind,
            issued_at=issued_at,
            status_index=status_index,
            facts=facts,
        )
        key = await signing_key(con, self.settings, self.urls, agency)
        # Canonicalisation is CPU-bound: off the event loop, so HTTP keeps answering.
        credential = await asyncio.to_thread(sign, document, key, xml_datetime(issued_at))
        if supersedes is not None:
            reason = f"superseded by {cid} (name corrected)"
            await store.revoke(con, supersedes["certificate_id"], reason, issued_at, cid)
            await unit.emit(
                CertificateRevoked(certificate_id=supersedes["certificate_id"], reason=reason),
                subject_id=supersedes["certificate_id"],
                agency=agency,
                key=f"revoked:{supersedes['certificate_id']}",
            )
        row = {
            **{k: ids[k] for k in ("enrolment_id", "participant_id", "course_id", "session_id")},
            "certificate_id": cid,
            "url_id": url_id,
            "number": certificate_number(agency, year, seq),
            "verification_code": code,
            "agency": agency,
            "kind": kind,
            "issued_at": issued_at,
            "status_index": status_index,
            "facts": facts,
            "credential": credential,
        }
        await store.insert_certificate(con, row)
        await ownership.claim(con, "certificate", cid, agency)  # revocable by its issuer only
        course = facts["course"]
        await unit.emit(
            CertificateIssued(
                certificate_id=cid,
                verification_code=code,
                enrolment_id=ids["enrolment_id"],
                participant_id=ids["participant_id"],
                course_id=ids["course_id"],
                session_id=ids["session_id"],
                kind=kind,  # type: ignore[arg-type]
                qualification=course.get("qualification"),
                issued_at=issued_at,
                credential_url=self.urls.credential(url_id),
                pdf_url=self.urls.pdf(url_id),
            ),
            subject_id=cid,
            agency=agency,
            key=f"issued:{cid}",
        )
        if course.get("training_of_trainers") or kind == "trainer":
            await store.add_trainer(
                con,
                {
                    "trainer_id": ids["participant_id"],
                    "programme": course["programme"],
                    "agency": agency,
                    "country": facts["participant"].get("country_of_residence"),
                    "certificate_id": cid,
                    "certified_at": issued_at,
                },
            )
            await unit.emit(
                TrainerCertified(
                    trainer_id=ids["participant_id"],
                    programme=course["programme"],
                    certificate_id=cid,
                ),
                subject_id=ids["participant_id"],
                agency=agency,
                key=f"trainer:{cid}",
            )

    # Revocation -------------------------------------------------------------------------

    async def on_revocation(self, unit: Unit) -> None:
        p = unit.payload
        cert = await store.certificate(unit.con, p.certificate_id)
        if cert is None:
            if not unit.final:
                raise NotYetApplicable("unknown_certificate")
            raise Invalid("unknown_certificate", p.certificate_id)
        if cert["agency"] != unit.event.agency:  # the kit checks first; kept for old rows
            raise Invalid(
                ownership.NOT_OWNER,
                f"{unit.event.agency} may not revoke {p.certificate_id} of {cert['agency']}",
            )
        if await store.revoke(unit.con, p.certificate_id, p.reason, unit.event.time):
            await unit.emit(
                CertificateRevoked(certificate_id=p.certificate_id, reason=p.reason),
                subject_id=p.certificate_id,
            )


def _name(data: dict[str, Any]) -> tuple[str, str]:
    return data["given_name"], data["family_name"]


def _person(data: dict[str, Any]) -> dict[str, Any]:
    """What a certificate keeps of a person: the name, the e-mail (hashed in the
    credential), the language and country."""
    keys = ("participant_id", "given_name", "family_name", "email", "preferred_language")
    return {k: data.get(k) for k in keys} | {
        "country_of_residence": data.get("country_of_residence"),
        "organisation": (data.get("organisation") or {}).get("name"),
    }
