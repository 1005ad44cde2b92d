"""The `enrolment-certificates` consumer: certificates for the participant page.

What the page shows of a certificate comes only from these events (CERTIFICATION stream),
never from the certification service's database. A revocation is kept on its own, so the
page shows it whatever order the two arrive in.
"""

from __future__ import annotations

from cohort_contracts.certificates import CertificateIssued, CertificateRevoked
from cohort_contracts.enrolments import ParticipantLinkRequested
from cohort_kit import Router, Unit

from . import store
from .deps import Deps

certificates = Router()


@certificates.on(CertificateIssued, emits=[ParticipantLinkRequested])
async def certificate_issued(unit: Unit[CertificateIssued, Deps]) -> None:
    c = unit.payload
    await store.record_certificate(unit.con, c, agency=unit.event.agency)
    # A fresh page link for the certificate notice (see participant.issuing).
    await unit.deps.links.with_message(unit, c.participant_id, key=f"link:{c.certificate_id}")


@certificates.on(CertificateRevoked, emits=[])
async def certificate_revoked(unit: Unit[CertificateRevoked, Deps]) -> None:
    await store.record_revocation(unit.con, unit.payload, unit.event.time)
