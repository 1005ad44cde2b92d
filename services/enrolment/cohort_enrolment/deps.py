"""What the enrolment handlers and routes need, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from .participant.issuing import LinkIssuer
from .settings import EnrolmentSettings


@dataclass(frozen=True)
class Deps:
    links: LinkIssuer  # page links: signer, lifetime, clock


def build(settings: EnrolmentSettings) -> Deps:
    return Deps(links=LinkIssuer(settings))
