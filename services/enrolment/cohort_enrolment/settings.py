"""The enrolment service's configuration (environment variables `COHORT_*`).

The retry window of requests for a session or participant not known yet is the kit's
`COHORT_RETRY_WINDOW_SECONDS`: after it, such a request is rejected `unknown_session` or
`unknown_participant`, and attendance for an unknown enrolment is dead-lettered.
"""

from __future__ import annotations

from cohort_kit import ServiceSettings
from pydantic import Field


class EnrolmentSettings(ServiceSettings):
    http_port: int = Field(18081, description="Port of the read API, health and metrics.")
