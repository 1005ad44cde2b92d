"""The limits a client may rely on, published at `GET /v1/limits` and in the OpenAPI document
(the HTTP binding asks that batching be solicited and its size chosen by the receiver)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .settings import IngressSettings


class Limits(BaseModel):
    max_batch_events: int = Field(description="Most events in one batched request.")
    max_request_bytes: int = Field(description="Largest request body, in bytes.")
    max_event_bytes: int = Field(description="Largest single event, in bytes.")
    rate_limit_per_minute: int = Field(description="Events per agency per minute (0 = none).")
    content_types: list[str] = Field(description="Accepted `Content-Type` values.")

    @classmethod
    def of(cls, settings: IngressSettings) -> Limits:
        return cls(
            max_batch_events=settings.max_batch_events,
            max_request_bytes=settings.max_request_bytes,
            max_event_bytes=settings.max_event_bytes,
            rate_limit_per_minute=settings.rate_limit_per_minute,
            content_types=[
                "application/cloudevents+json",
                "application/cloudevents-batch+json",
                "application/json (binary mode, with ce- headers)",
            ],
        )

    def describe(self) -> str:
        return (
            f"Limits: at most {self.max_batch_events} events per batch, "
            f"{self.max_request_bytes} bytes per request, {self.max_event_bytes} bytes per event"
            + (
                f", {self.rate_limit_per_minute} events per agency per minute."
                if self.rate_limit_per_minute
                else "."
            )
        )
