"""Settings of the ingress (environment variables `COHORT_*`)."""

from __future__ import annotations

from cohort_kit import ServiceSettings
from pydantic import Field


class IngressSettings(ServiceSettings):
    http_port: int = Field(18084, description="Port of the intake API (POST /v1/events).")
    max_batch_events: int = Field(100, description="Most events in one batched request.")
    max_request_bytes: int = Field(
        1024 * 1024, description="Largest request body (one event or a whole batch)."
    )
    max_event_bytes: int = Field(256 * 1024, description="Largest single event, encoded.")
    publish_timeout_seconds: float = Field(
        5.0, description="How long one publish waits for its PubAck before the answer is 503."
    )
    retry_after_seconds: int = Field(
        5, description="`Retry-After` of a 503 (NATS unavailable) or a 429 (rate limited)."
    )
    rate_limit_per_minute: int = Field(
        60000, description="Events one agency may send per minute (0 = no limit); over it, 429."
    )
    rejections_max: int = Field(
        1000, description="Most dead-letters one GET /v1/rejections answer returns."
    )
