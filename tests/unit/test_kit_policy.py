"""Pure parts of the kit: retry back-off, dead-letter records, derived ids, topology diffs."""

from __future__ import annotations

import base64

import pytest
from cohort_contracts.streams import CONSUMERS, STREAMS, ConsumerSpec
from cohort_kit.consumer import RetryPolicy
from cohort_kit.deadletter import deadletter_record
from cohort_kit.errors import is_transient
from cohort_kit.outbox import derived_event_id
from cohort_kit.topology import _consumer_view, _diff, consumer_config

pytestmark = pytest.mark.unit


def test_retry_delay_doubles_from_the_first_delay_up_to_the_cap():
    policy = RetryPolicy(first_delay_seconds=0.25, max_delay_seconds=2.0)
    assert [policy.delay(n) for n in range(1, 7)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_a_dead_letter_keeps_the_original_bytes_even_when_they_are_not_text():
    record = deadletter_record(
        service="enrolment",
        consumer="enrolment-intake",
        reason="not_json",
        detail="x",
        subject="intake.iom.session.scheduled",
        body=b"\xff\x00garbage",
        headers={"Nats-Msg-Id": "m-1"},
        stream="INTAKE",
        stream_seq=42,
        deliveries=1,
    )
    assert base64.b64decode(record["body_base64"]) == b"\xff\x00garbage"
    assert record["body_text"] is None
    assert record["stream_seq"] == 42 and record["headers"] == {"Nats-Msg-Id": "m-1"}


def test_derived_event_ids_are_stable_and_distinct_per_key():
    assert derived_event_id("cause-1", "a") == derived_event_id("cause-1", "a")
    assert derived_event_id("cause-1", "a") != derived_event_id("cause-1", "b")
    assert derived_event_id("cause-1", "a") != derived_event_id("cause-2", "a")


def test_infrastructure_errors_are_transient_and_bugs_are_not():
    assert is_transient(ConnectionRefusedError())
    assert is_transient(TimeoutError())
    assert not is_transient(KeyError("x"))
    assert not is_transient(ValueError("bad"))


def test_a_consumer_whose_live_config_differs_is_reported_field_by_field():
    spec = CONSUMERS[0]
    changed = ConsumerSpec(
        spec.stream, spec.durable, ("intake.iom.>",), spec.description, ack_wait_seconds=5
    )
    problems = _diff(
        "consumer",
        spec.durable,
        _consumer_view(consumer_config(spec)),
        _consumer_view(consumer_config(changed)),
    )
    assert any("filter_subjects" in p for p in problems)
    assert any("ack_wait" in p for p in problems)


def test_every_consumer_reads_a_declared_stream_and_is_named_after_its_service():
    names = {s.name for s in STREAMS}
    services = {"enrolment", "certification", "notification", "reporting", "privacy"}
    for c in CONSUMERS:
        assert c.stream in names
        assert c.service in services
    assert len({c.durable for c in CONSUMERS}) == len(CONSUMERS)


def test_intake_is_never_an_interest_stream_so_history_can_be_replayed():
    intake = next(s for s in STREAMS if s.name == "INTAKE")
    assert intake.retention == "limits" and intake.storage == "file"


class _BrokenListenerConnection:
    async def add_listener(self, channel, callback):
        raise ConnectionResetError("connection lost")


class _CountingPool:
    """A fake pool: hands out connections whose LISTEN fails, counts what comes back."""

    def __init__(self) -> None:
        self.out = 0

    async def acquire(self, timeout=None):
        self.out += 1
        return _BrokenListenerConnection()

    async def release(self, con, timeout=None):
        self.out -= 1


async def test_a_failed_listen_gives_its_connection_back_to_the_pool():
    from cohort_kit.relay import OutboxRelay

    async def publish(*_):
        raise AssertionError("nothing to publish")

    pool = _CountingPool()
    relay = OutboxRelay(pool, publish, service="test")  # type: ignore[arg-type]
    for _ in range(10):
        assert await relay._listen() is None
    assert pool.out == 0
