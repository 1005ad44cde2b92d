"""OpenTelemetry traces across services, carried in message headers (W3C `traceparent`).

- FastStream's `NatsTelemetryMiddleware` on every broker: a consumed message continues the
  trace in its headers; a publish injects the current one.
- The outbox publishes later, from the relay: `enqueue` stores the handler's `traceparent`
  in the row's headers, and the relay publishes inside that context (`continued`), so an
  event and the events it causes share one trace, across services.
- Every log line made inside a span carries `trace_id` and `span_id`.

Spans are exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set; the standard `OTEL_*` variables apply.
Without an endpoint, trace ids are still made, propagated and logged.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry import context, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
TRACEPARENT = "traceparent"


def configure_tracing(service: str) -> TracerProvider:
    """Install the process's tracer provider once (later calls return the same one)."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    name = os.environ.get("OTEL_SERVICE_NAME") or f"cohort-{service}"
    provider = TracerProvider(resource=Resource.create({"service.name": name}))
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    ):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def middleware() -> NatsTelemetryMiddleware:
    """The broker middleware; it uses whatever provider is (or will be) installed."""
    return NatsTelemetryMiddleware()


def current_trace_headers() -> dict[str, str]:
    """`{"traceparent": ...}` for the current span, or `{}` outside any span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


@contextmanager
def continued(headers: Mapping[str, Any]) -> Iterator[None]:
    """Run the block inside the trace named by `headers` (if they name one)."""
    if TRACEPARENT not in headers:
        yield
        return
    token = context.attach(_PROPAGATOR.extract(dict(headers)))
    try:
        yield
    finally:
        context.detach(token)


def add_trace_ids(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: `trace_id` and `span_id` of the current span, if any."""
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        event_dict.setdefault("trace_id", format(span.trace_id, "032x"))
        event_dict.setdefault("span_id", format(span.span_id, "016x"))
    return event_dict
