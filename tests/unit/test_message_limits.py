"""Size and depth bounds are checked before a body is parsed (cohort_contracts.limits)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cohort_contracts import REGISTRY, TooDeep, TooLarge, Unparseable, limits
from cohort_contracts import registry as registry_module
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import factories

pytestmark = pytest.mark.unit

# Strings full of what a careless scanner would count: brackets, quotes, backslashes.
tricky_text = st.text(alphabet='[]{}"\\ a\u00e9', max_size=8)
json_values = st.recursive(
    st.none() | st.integers() | tricky_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=30,
)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@settings(max_examples=300, deadline=None)
@given(json_values, st.integers(min_value=0, max_value=12))
def test_the_depth_check_agrees_with_a_parser_whatever_the_strings_hold(value, limit):
    body = json.dumps(value, ensure_ascii=False).encode()
    assert limits.deeper_than(body, limit) == (depth(value) > limit)


def test_a_body_nested_ten_thousand_deep_is_refused_too_deep_not_a_recursion_error():
    event = factories.participant("iom:p-deep")
    event["data"]["position"] = "x"
    body = json.dumps(event).encode()
    deep = body[:-1] + b', "junk": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    with pytest.raises(RecursionError):
        json.loads(deep)  # what the consumer used to do, and never dead-lettered
    with pytest.raises(TooDeep) as refused:
        REGISTRY.parse(deep, "intake.iom.participant.registered")
    assert refused.value.reason == "too_deep"


def test_a_body_over_the_size_limit_is_refused_too_large_before_parsing():
    body = json.dumps(factories.participant("iom:p-big")).encode()
    with pytest.raises(TooLarge) as refused:
        REGISTRY.parse(body, "intake.iom.participant.registered", max_bytes=len(body) - 1)
    assert refused.value.reason == "too_large" and str(len(body)) in refused.value.detail
    assert REGISTRY.parse(body, "intake.iom.participant.registered", max_bytes=len(body))


def test_the_limits_leave_every_legitimate_example_event_alone():
    from pathlib import Path

    lines = [
        line
        for path in sorted(Path("examples").rglob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    assert len(lines) > 50
    for line in lines:
        limits.check(line)  # raises if a real event broke a bound


def test_any_other_failure_while_parsing_is_an_unparseable_contract_error(monkeypatch):
    def explode(*_: object) -> None:
        raise MemoryError("no room")

    monkeypatch.setattr(registry_module, "_decode_envelope", explode)
    with pytest.raises(Unparseable) as refused:
        REGISTRY.parse(b"{}", "intake.iom.participant.registered")
    assert refused.value.reason == "unparseable" and "MemoryError" in refused.value.detail


def test_brackets_left_open_count_as_depth():
    assert limits.deeper_than(b'{"a": ' + b"[" * 100, 64)
    assert not limits.deeper_than(b'{"a": [[[', 64)
    assert limits.deeper_than(b"[" * 3 + b"[[]]", 4)  # open ones around a closed pair
