"""The retention sweeper asks for exactly the erasures that are due (injected clock), per
agency and record type, and each request lands at its own position in INTAKE."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cohort_cli.privacy import due, load_retention, sweep

from tests.harness import publish_event, read_stream
from tests.privacy import history as h

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def days_ago(days_by_participant: dict[str, int]) -> dict[tuple[str, str], datetime]:
    """`{"iom:old": 800}` as `due` takes it: keyed by (agency, participant), the agency
    being the id's prefix."""
    return {
        (participant.split(":")[0], participant): NOW - timedelta(days=days)
        for participant, days in days_by_participant.items()
    }


@pytest.mark.unit
def test_only_participants_past_their_agencys_period_and_not_yet_erased_are_due():
    activity = days_ago(
        {
            "iom:old": 800,
            "iom:recent": 10,
            "iom:erased": 900,
            "icmpd:old": 800,  # icmpd: training records only
            "iom:came-back": 750,
        }
    )
    erased = days_ago({"iom:erased": 100, "iom:came-back": 760})  # came-back: active since
    retention = {"iom": {"contacts": 730}, "icmpd": {"training_records": 3650}}
    assert [(d.agency, d.participant_id) for d in due(activity, erased, retention, NOW)] == [
        ("iom", "iom:came-back"),
        ("iom", "iom:old"),
    ]


@pytest.mark.unit
def test_the_shortest_expired_period_of_the_swept_types_names_the_request():
    activity = days_ago({"iom:a": 400, "icmpd:b": 400, "unhcr:c": 4000})
    retention = {
        "iom": {"contacts": 730, "training_records": 365},  # records shorter than contacts
        "icmpd": {"contacts": 300, "training_records": 365, "logs": 1},
        "unhcr": {"logs": 90},  # logs are the log store's: never an erasure request
    }
    got = [(d.participant_id, d.record_type) for d in due(activity, {}, retention, NOW)]
    assert got == [("icmpd:b", "contacts"), ("iom:a", "training_records")]


@pytest.mark.unit
def test_a_retention_file_with_an_unknown_record_type_or_no_period_is_refused(tmp_path: Path):
    good = tmp_path / "ok.yaml"
    good.write_text("iom: {contacts: 730, training_records: 3650, logs: 90}\n")
    assert load_retention(good) == {"iom": {"contacts": 730, "training_records": 3650, "logs": 90}}
    for text in ("iom: {contact: 730}\n", "iom: {logs: 0}\n"):
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        with pytest.raises(ValueError):
            load_retention(bad)


@pytest.mark.integration
async def test_a_sweep_publishes_each_due_request_once_at_its_own_position(js, nats_url):
    old, recent, other = "iom:p-old", "iom:p-recent", "icmpd:p-old"
    events = [
        h.course(),
        h.person(old, 1, minutes=2),
        h.person(recent, 2, minutes=3),
        h.person(other, 3, agency="icmpd", minutes=4),
    ]
    events[2]["time"] = (NOW - timedelta(days=5)).isoformat()  # active last week
    for event in events:
        await publish_event(js, event)
    retention = {"iom": {"contacts": 730}, "icmpd": {"training_records": 3650, "logs": 90}}
    first = await sweep(nats_url, retention, NOW)
    assert [(d.participant_id, d.record_type) for d in first] == [(old, "contacts")]
    again = await sweep(nats_url, retention, NOW + timedelta(days=1))  # asked already
    assert again == []
    stored = await read_stream(js, "INTAKE")
    requests = [m for m in stored if m.subject.endswith(".participant.erasure_requested")]
    assert [m.subject for m in requests] == ["intake.iom.participant.erasure_requested"]
    body = json.loads(requests[0].data)
    assert body["data"] == {"participant_id": old, "reason": "retention_expired"}
    assert datetime.fromisoformat(body["time"]) == NOW  # the sweep's clock, not the wall's
    assert requests[0].seq == len(events) + 1  # after the history
    later = await sweep(nats_url, retention, NOW + timedelta(days=3651))  # icmpd's records
    assert [(d.participant_id, d.record_type) for d in later] == [
        (other, "training_records"),
        (recent, "contacts"),
    ]
