"""OpenTelemetry: one trace from an agency's publish, through a service's handler and its
outbox, to the event the service publishes; log lines carry the trace id."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cohort_contracts.enrolments import EnrolmentConfirmed
from cohort_kit import Router, Runtime, ServiceDefinition, Unit
from cohort_kit.tracing import add_trace_ids, configure_tracing, current_trace_headers
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests import factories
from tests.harness import eventually, read_stream
from tests.integration import probe

PROBE_MIGRATIONS = Path(probe.__file__).parent / "migrations"
router = Router()


@router.on("participant.registered.v1")
async def confirm(unit: Unit) -> None:
    await unit.emit(
        EnrolmentConfirmed(
            enrolment_id="iom:e-1",
            session_id="iom:s-1",
            participant_id=unit.payload.participant_id,
            seat=1,
        ),
        subject_id="iom:e-1",
    )


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing("tests").add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
async def service(js: Any, nats_url: str, database_url: str) -> AsyncIterator[Runtime]:
    definition = ServiceDefinition(
        name="enrolment",
        routers={"enrolment-intake": router},
        migrations=PROBE_MIGRATIONS,
        publishes_to=("ENROLMENT",),
    )
    runtime = Runtime(definition, probe.settings(nats_url, database_url))
    await runtime.start()
    yield runtime
    await runtime.stop()


def trace_id(traceparent: str) -> str:
    return traceparent.split("-")[1]


@pytest.mark.integration
async def test_an_event_and_the_event_it_causes_share_one_trace(
    spans: InMemorySpanExporter, js: Any, service: Runtime
) -> None:
    event = factories.participant("iom:p-traced")
    tracer = trace.get_tracer("agency")
    with tracer.start_as_current_span("agency publishes") as span:
        headers = {**current_trace_headers(), "Nats-Msg-Id": event["id"]}
        await js.publish(
            "intake.iom.participant.registered", json.dumps(event).encode(), headers=headers
        )
        origin = format(span.get_span_context().trace_id, "032x")

    published = await eventually(lambda: read_stream(js, "ENROLMENT"), timeout=20)
    traceparent = published[0].headers["traceparent"]
    assert trace_id(traceparent) == origin
    assert trace_id(headers["traceparent"]) == origin
    assert traceparent != headers["traceparent"]  # a later span of the same trace

    names = {s.name for s in spans.get_finished_spans() if s.context.trace_id == int(origin, 16)}
    assert any(n.endswith("process") for n in names), names  # the service's consume span
    assert any(n.startswith("enrolment.confirmed") for n in names), names  # the relay's publish


@pytest.mark.unit
def test_log_lines_inside_a_span_carry_its_trace_id(spans: InMemorySpanExporter) -> None:
    assert add_trace_ids(None, "info", {"event": "outside"}) == {"event": "outside"}
    with trace.get_tracer("t").start_as_current_span("unit") as span:
        line = add_trace_ids(None, "info", {"event": "inside"})
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")
