"""The `enrolment-certificates` consumer: certificates for the participant page.

What the page shows of a certificate comes only from these events (CERTIFICATION stream),
never from the certification service's database. A revocation is kept on its own, so the
page shows it whatever order the two arrive in.
"""

from __future__ import annotations

from cohort_kit import Router, Unit

from . import store
from .pagelinks import ISSUER

certificates = Router()


@certificates.on("certificate.issued.v1")
async def certificate_issued(unit: Unit) -> None:
    c = unit.payload
    await store.record_certificate(unit.con, c, agency=unit.event.agency)
    # A fresh page link for the certificate notice (see pagelinks).
    await ISSUER.with_message(unit, c.participant_id, key=f"link:{c.certificate_id}")


@certificates.on("certificate.revoked.v1")
async def certificate_revoked(unit: Unit) -> None:
    await store.record_revocation(unit.con, unit.payload, unit.event.time)
