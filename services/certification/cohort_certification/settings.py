"""Configuration of the certification service (environment `COHORT_*`)."""

from __future__ import annotations

from typing import Self

from cohort_kit import ServiceSettings
from pydantic import BaseModel, Field, model_validator


class Branding(BaseModel):
    """How one agency's printed certificates are signed and marked."""

    logo: str | None = Field(None, description="Path of a PNG, JPEG or SVG logo file.")
    signatory: str | None = Field(None, description="Name of the person who signs.")
    signatory_title: dict[str, str] = Field(
        default_factory=dict,
        description='Their title per language, e.g. {"en": "Chief of Mission", '
        '"fr": "Chef de mission"}.',
    )


class CertificationSettings(ServiceSettings):
    http_port: int = Field(18081, description="Port of the credential, verification and PDF API.")
    public_base_url: str = Field(
        "https://cohort.example.org",
        description="Public base URL: credential ids, issuer ids, verification links.",
    )
    signing_keys: dict[str, str] = Field(
        default_factory=dict,
        description="Current Ed25519 key per agency as a hex seed, JSON: "
        '{"iom": "<64 hex>"}. A new seed rotates the key; old public keys stay published.',
    )
    dev_keys: bool = Field(
        False,
        description="Generate and keep in the service database a key for an agency without "
        "a configured one (tests only; production and `cohort up` set signing_keys).",
    )
    signing_processes: int | None = Field(
        None,
        ge=0,
        description="Processes that sign credentials and render PDFs (started on first use); "
        "default one per CPU; 0 signs on the event loop (about 1 ms a credential) and renders "
        "PDFs in a thread of the service process.",
    )
    secret: str = Field(
        min_length=16,
        description="Secret for verification codes, credential URL ids and recipient-hash "
        "salts; required, no default (`cohort up` generates one per data directory).",
    )
    agency_names: dict[str, str] = Field(
        default_factory=lambda: {
            "iom": "International Organization for Migration (IOM)",
            "icmpd": "International Centre for Migration Policy Development (ICMPD)",
        },
        description="Issuer display name per agency.",
    )
    branding: dict[str, Branding] = Field(
        default_factory=dict,
        description="Per agency: logo and signatory of the printed certificate, JSON: "
        '{"iom": {"logo": "/etc/cohort/iom.png", "signatory": "Jane Doe", '
        '"signatory_title": {"en": "Chief of Mission"}}}. Without it the certificate carries '
        "the issuer's seal and name.",
    )

    @model_validator(mode="after")
    def _keys_given(self) -> Self:
        if not self.signing_keys and not self.dev_keys:
            raise ValueError(
                "COHORT_SIGNING_KEYS is not set (nor COHORT_SIGNING_KEYS_FILE): "
                "no agency could sign a certificate"
            )
        return self
