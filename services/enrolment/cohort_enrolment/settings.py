"""The enrolment service's configuration (environment variables `COHORT_*`).

The retry window of requests for a session or participant not known yet is the kit's
`COHORT_RETRY_WINDOW_SECONDS`: after it, such a request is rejected `unknown_session` or
`unknown_participant`, and attendance for an unknown enrolment is dead-lettered.
"""

from __future__ import annotations

from cohort_kit import ServiceSettings
from pydantic import Field


class EnrolmentSettings(ServiceSettings):
    http_port: int = Field(18080, description="Port of the read API, health and metrics.")
    public_base_url: str | None = Field(
        None,
        description="Public base URL of this service, where participants open their page "
        "(`<url>/me?token=...`), e.g. https://cohort.example.org. Without it no page link "
        "is made: none goes with confirmations or certificates, and re-requests send nothing.",
    )
    link_secret: str = Field(
        min_length=16,
        description="HMAC-SHA256 key of participant page links, required, no default (every "
        "replica the same; changing it invalidates every link already sent). `cohort up` "
        "generates one per data directory.",
    )
    link_lifetime_seconds: float = Field(
        30 * 86400.0,
        description="How long a page link works: from when it is made, or for a confirmation "
        "from the session's last day if that is later.",
    )
    link_request_interval_seconds: float = Field(
        300.0,
        description="At most one re-requested page link is e-mailed per participant within "
        "this many seconds (the answer on screen is the same either way).",
    )
