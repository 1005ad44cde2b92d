"""What the certification handlers and routes need, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from .credentials.document import Urls
from .settings import CertificationSettings
from .workers import Workers, processes


@dataclass(frozen=True)
class Deps:
    settings: CertificationSettings  # secret, agency names, signing keys
    urls: Urls  # where credentials, PDFs and issuer documents are published
    workers: Workers  # signing and PDF rendering, off the event loop (a process pool)

    @property
    def secret(self) -> str:
        return self.settings.secret

    def agency_name(self, agency: str) -> str:
        return self.settings.agency_names.get(agency, agency.upper())


def build(settings: CertificationSettings) -> Deps:
    return Deps(
        settings=settings,
        urls=Urls(settings.public_base_url.rstrip("/")),
        workers=Workers(processes(settings.signing_processes)),
    )
