"""Certificates: revocation requests from agencies; issuance and revocation by certification."""

from __future__ import annotations

from pydantic import Field

from .base import Payload
from .courses import Qualification
from .values import CertificateKind, Id, Instant, Text, Url


class CertificateRevocationRequested(Payload):
    """`certificate.revocation_requested.v1` (intake): an agency revokes one of its certificates."""

    certificate_id: Id = Field(description="Certificate.", examples=["iom:cert-2023-000042"])
    reason: Text = Field(description="Why.", examples=["Issued to the wrong participant"])


class CertificateIssued(Payload):
    """`certificate.issued.v1`: a signed Open Badges 3.0 credential exists for an enrolment.

    Attributes:
        verification_code: short code printed on the PDF, typed on the verification page.
        qualification: the course's qualification (framework, level, credits), or null.
        credential_url: where the signed credential (JSON-LD) is served.
        pdf_url: the printable certificate with its QR code.
    """

    certificate_id: Id = Field(description="Certificate id.", examples=["icmpd:cert-2022-000007"])
    verification_code: str = Field(
        min_length=4, max_length=40, description="Short verification code.", examples=["K7Q4-9MZD"]
    )
    enrolment_id: Id = Field(description="Enrolment.", examples=["icmpd:e-irq-0007"])
    participant_id: Id = Field(description="Participant.", examples=["icmpd:p-irq-0007"])
    course_id: Id = Field(description="Course.", examples=["icmpd:reint-pm"])
    session_id: Id = Field(description="Session.", examples=["icmpd:irq-2022-11-reint-pm"])
    kind: CertificateKind = Field(description="Certificate kind.", examples=["completion"])
    qualification: Qualification | None = Field(
        default=None,
        description="Qualification certified, or null.",
        examples=[{"framework": "MQF", "level": 5, "credits": 4}],
    )
    issued_at: Instant = Field(
        description="When it was issued.", examples=["2022-11-28T16:00:00+03:00"]
    )
    credential_url: Url = Field(
        description="The signed credential.",
        examples=["https://cohort.example.org/credentials/3q2-7wRkQyq8mZt0YdNw5A"],
    )
    pdf_url: Url = Field(
        description="The PDF certificate.",
        examples=["https://cohort.example.org/credentials/3q2-7wRkQyq8mZt0YdNw5A.pdf"],
    )


class CertificateRevoked(Payload):
    """`certificate.revoked.v1`: the certificate now verifies as revoked."""

    certificate_id: Id = Field(description="Certificate.", examples=["iom:cert-2023-000042"])
    reason: Text = Field(description="Why.", examples=["Issued to the wrong participant"])


class TrainerCertified(Payload):
    """`trainer.certified.v1`: completing a Training-of-Trainers makes a certified trainer."""

    trainer_id: Id = Field(description="Trainer (= participant id).", examples=["iom:p-wca-0013"])
    programme: Text = Field(description="Programme they may train.", examples=["EMM2.0"])
    certificate_id: Id = Field(description="Trainer certificate.", examples=["iom:cert-2022-0113"])
