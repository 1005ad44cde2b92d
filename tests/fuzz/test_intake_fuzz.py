"""Hostile and malformed intake traffic: every message is dead-lettered with a reason or
applied; valid traffic published in between is unaffected. (`make fuzz`)"""

from __future__ import annotations

import json
import random

import asyncpg
import pytest
from cohort_contracts import REGISTRY, ContractError
from cohort_kit import Runtime
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.harness import eventually, publish_event, publish_raw, read_stream
from tests.integration import probe

pytestmark = pytest.mark.fuzz

SUBJECT = "intake.iom.participant.registered"
HOSTILE_TEXT = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "'; DROP TABLE inbox; --",
        "\u202eevil\u202c",
        "\x00\x01\x02",
        "A" * 200_000,
        "{{7*7}}",
        "../../etc/passwd",
        "مرحبا",
    ]
)


def _nested(levels: int) -> bytes:
    """A valid participant event carrying `levels` of nested arrays (10,000: about 20 kB)."""
    body = json.dumps(factories.participant("iom:p-fuzz")).encode()
    return body[:-1] + b', "x": ' + b"[" * levels + b"]" * levels + b"}"


def _mutations() -> st.SearchStrategy[bytes]:
    valid = factories.participant("iom:p-fuzz")
    field_names = st.sampled_from(sorted(valid["data"]))
    wrong_values = st.one_of(
        st.integers(),
        st.floats(allow_nan=False),
        st.none(),
        st.lists(st.integers(), max_size=3),
        HOSTILE_TEXT,
    )

    def mutate(pair: tuple[str, object]) -> bytes:
        name, value = pair
        event = json.loads(json.dumps(valid))
        event["id"] = f"fuzz-{abs(hash((name, repr(value)))) % 10**12}"
        event["data"][name] = value
        return json.dumps(event).encode()

    def envelope_change(pair: tuple[str, object]) -> bytes:
        name, value = pair
        event = json.loads(json.dumps(valid))
        event[name] = value
        return json.dumps(event, default=str).encode()

    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(str.encode),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
            max_leaves=10,
        ).map(lambda v: json.dumps(v).encode()),
        st.tuples(field_names, wrong_values).map(mutate),
        st.tuples(
            st.sampled_from(["agency", "type", "time", "specversion", "id"]),
            wrong_values | st.just("icmpd"),
        ).map(envelope_change),
        st.integers(min_value=1, max_value=12_000).map(_nested),
    )


def _verdict(body: bytes) -> str:
    try:
        REGISTRY.parse(body, SUBJECT)
        return "valid"
    except ContractError as exc:
        return exc.reason


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=_mutations())
def test_the_contract_gives_every_hostile_body_a_named_reason_or_accepts_it(body):
    verdict = _verdict(body)
    assert verdict in {
        "valid",
        "not_json",
        "malformed_envelope",
        "unknown_type",
        "unsupported_version",
        "schema_violation",
        "rule_violation",
        "agency_mismatch",
        "wrong_subject",
        "too_deep",
        "too_large",
    }


def _hostile_bodies(count: int, seed: int = 7) -> list[bytes]:
    """A fixed, varied sample of the same kinds of hostile input, for the real servers."""
    rng = random.Random(seed)
    valid = factories.participant("iom:p-fuzz")
    texts = [
        "<script>alert(1)</script>",
        "'; DROP TABLE inbox; --",
        "\u202eevil",
        "A" * 200_000,
        "{{7*7}}",
        12,
        None,
        [1, 2],
        {"x": "y"},
        -1.5,
        True,
    ]
    bodies: list[bytes] = []
    for i in range(count):
        event = json.loads(json.dumps(valid))
        event["id"] = f"hostile-{i}"
        kind = i % 6
        if kind == 5:  # bounded input: nested 10,000 deep, or over the 1 MiB limit
            big = json.dumps(event | {"pad": "A" * 1_100_000}).encode()
            bodies.append(_nested(10_000) if (i // 6) % 2 else big)
            continue
        if kind == 0:
            bodies.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
            continue
        if kind == 1:
            event["data"][rng.choice(sorted(event["data"]))] = rng.choice(texts)
        elif kind == 2:
            event[rng.choice(["agency", "type", "time", "specversion"])] = rng.choice(texts)
        elif kind == 3:
            event["agency"] = "icmpd"
        else:
            event["data"]["given_name"] = rng.choice(texts[:5])  # hostile but valid text
        bodies.append(json.dumps(event).encode())
    return bodies


async def test_hostile_intake_is_dead_lettered_and_valid_traffic_still_applies(
    js, nats_url, database_url
):
    bodies = _hostile_bodies(60)
    runtime = Runtime(probe.definition(), probe.settings(nats_url, database_url))
    await runtime.start()
    try:
        expected_dead = 0
        for i, body in enumerate(bodies):
            await publish_raw(js, SUBJECT, body, f"hostile-{i}")
            expected_dead += _verdict(body) != "valid"
            await publish_event(js, factories.participant(f"iom:p-valid-{i:03d}"))

        async def settled():
            info = await js.consumer_info("INTAKE", "enrolment-intake")
            return info.num_pending == 0 and info.num_ack_pending == 0

        await eventually(settled, timeout=120)
    finally:
        await runtime.stop()
    dead = [json.loads(m.data) for m in await read_stream(js, "DEADLETTER")]
    assert expected_dead >= 40  # the sample really is hostile
    assert len(dead) == expected_dead
    assert all(d["reason"] and d["body_base64"] is not None for d in dead)
    con = await asyncpg.connect(database_url)
    rows = await con.fetch("SELECT participant_id FROM probe_seen")
    await con.close()
    applied = {r["participant_id"] for r in rows}
    assert {f"iom:p-valid-{i:03d}" for i in range(60)} <= applied
