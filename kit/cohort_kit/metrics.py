"""Prometheus metrics every service exposes on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

MESSAGES_IN = Counter(
    "cohort_messages_in_total", "Messages fetched from JetStream.", ["service", "consumer"]
)
OUTCOMES = Counter(
    "cohort_message_outcomes_total",
    "What became of each message: applied, duplicate, ignored, dead_lettered, retry_later, "
    "transient_retry, handler_error_retry.",
    ["service", "consumer", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "cohort_handler_seconds",
    "Time to process one message, transaction included.",
    ["service", "consumer"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DEAD_LETTERS = Counter(
    "cohort_dead_letters_total", "Messages dead-lettered, by reason.", ["service", "reason"]
)
OUTBOX_PUBLISHED = Counter(
    "cohort_outbox_published_total", "Outbox rows published and acknowledged.", ["service"]
)
OUTBOX_LAG = Gauge(
    "cohort_outbox_lag_seconds", "Age of the oldest unpublished outbox row.", ["service"]
)
OUTBOX_PENDING = Gauge("cohort_outbox_pending", "Unpublished outbox rows.", ["service"])
UNKNOWN_FIELDS = Counter(
    "cohort_unknown_fields_total",
    "Fields of incoming events that this service's contracts do not know (read and ignored: "
    "a later minor version), by event type.",
    ["service", "type"],
)
