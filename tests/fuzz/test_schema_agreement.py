"""The exported JSON Schemas say exactly what the contracts accept (both ways), for every
fuzzed event: a valid example event, mutated at random places with hostile, borderline and
well-formed values, with fields removed and unknown fields added. (`make fuzz`)

- schema accepts  <=> the edge's strict read accepts (`cohort publish`, the ingress);
- schema accepts  =>  every consumer's tolerant read accepts: never a `schema_violation`.

"Accepts" includes `rule_violation`: a rule between fields (an end before its start) that
JSON Schema cannot state, which the contracts name apart for that reason.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cohort_contracts import REGISTRY, ContractError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "contracts" / "schemas"
EXAMPLES = sorted((ROOT / "examples").glob("*.jsonl"))

# Values that sit on the borders of the value rules, and hostile ones.
STRINGS = [
    *("NIG", "NER", "COM", "XXX", "com", "KM", "UNK", "ANT"),
    *("f@miidat.test", "a@b.example", "A@B.ORG", "a@localhost", "a@b.c", "a..b@x.org"),
    *("Fatima <f@x.org>", "josé@exämple.org", ".a@x.org", "a@-x.org", "a@x.123", "a b@x.org"),
    *("+2693321234", "+269123", "+1", "2693321234", "+44 20 7946 0958"),
    *("Indian/Comoro", "Indian/Comoros", "UTC", "Etc/GMT+3", "Africa/Atlantis"),
    *("fr", "en-GB", "zz", "en-a", "xx-!!", "qaa", "i-klingon"),
    *("2023-06-05", "2023-01-01", "2023-02-30", "20230605", "2023-06-05T08:00:00+03:00"),
    *("2023-06-05T08:00:00", "2023-06-05T08:00+03:00", "1700000000", "2023-06-05 08:00:00Z"),
    *("https://emm.example.org/m1.pdf", "ftp://x", "iom:p-1", "has space", "", " ", "x"),
    *("in_person", "hybrid", "female", "government", "completed", "pre", "post", "email"),
    *("1.0", "2", "application/json", "session.scheduled.v1", "iom", "icmpd", "IOM"),
    *("abc\n", "\x00", "\u202eevil", "<script>", "A" * 501, "B" * 4001),
]
NUMBERS = [0, 1, -1, 5, 6, 30, 100, 101, 1900, 1899, 2101, 0.5, 72.5, 100.5, -0.0, 2**63, 5.0]
VALUES = st.one_of(
    st.sampled_from(STRINGS),
    st.sampled_from(NUMBERS),
    st.sampled_from([None, True, False, [], {}, ["fr"], {"en": "x"}, {"fr": ""}, [{"x": 1}]]),
    st.text(max_size=12),
)


def _rfc3339(value: object) -> bool:
    """`date-time` as RFC 3339 section 5.6 defines it (jsonschema checks it only with an
    optional package; the contracts' rule is this one)."""
    if not isinstance(value, str):
        return True
    pattern = r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
    if not re.fullmatch(pattern, value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("date-time")(_rfc3339)


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """ECMA-262's `$` ends the input; Python's `re` also lets it match before a final
    newline. JSON Schema patterns are ECMA-262, so read them that way."""
    if isinstance(instance, str) and not re.search(pattern.replace("$", r"\Z"), instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _ecma_pattern}
)


@cache
def validator(event_type: str) -> Any:
    schema = json.loads((SCHEMAS / f"{event_type}.schema.json").read_text(encoding="utf-8"))
    return Validator(schema, format_checker=FORMATS)


@cache
def examples() -> tuple[str, ...]:
    """One valid event of every type the example histories hold."""
    by_type: dict[str, str] = {}
    for path in EXAMPLES:
        for line in path.read_text(encoding="utf-8").splitlines():
            by_type.setdefault(json.loads(line)["type"], line)
    return tuple(by_type[t] for t in sorted(by_type))


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(event: dict[str, Any], path: tuple[Any, ...], how: str, value: Any) -> None:
    parent = event
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "replace":
        parent[last] = value
    elif how == "remove":
        del parent[last]
    else:  # an unknown field beside this one
        target = parent if isinstance(parent, dict) else parent[last]
        if isinstance(target, dict):
            target["zz_unknown"] = value


@st.composite
def fuzzed(draw: st.DrawFn) -> dict[str, Any]:
    event = json.loads(draw(st.sampled_from(examples())))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(event)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        how = draw(st.sampled_from(["replace", "replace", "replace", "remove", "unknown"]))
        _mutate(event, path, how, copy.deepcopy(draw(VALUES)))
    return event


FITS = {"valid", "rule_violation"}  # what an event that fits its schema may be


def _reads(event: dict[str, Any], *, strict: bool) -> str:
    body = json.dumps(event)
    spec = REGISTRY.spec(str(event.get("type")))
    try:
        REGISTRY.parse(body, spec.subject_for("iom"), strict=strict)
    except ContractError as exc:
        return exc.reason
    return "valid"


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(event=fuzzed())
def test_the_schema_and_the_contracts_accept_exactly_the_same_events(event) -> None:
    if not isinstance(event.get("type"), str) or event["type"] not in {s.type for s in REGISTRY}:
        return  # an unknown or mangled type has no schema to agree with
    errors = sorted(e.message for e in validator(event["type"]).iter_errors(event))[:3]
    edge = _reads(event, strict=True)
    reader = _reads(event, strict=False)
    if edge in ("agency_mismatch", "wrong_subject"):
        return  # the subject and its agency token are outside the schema
    assert (not errors) == (edge in FITS), (edge, errors, event)
    if not errors:
        assert reader in FITS, (reader, event)
