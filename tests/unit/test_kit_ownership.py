"""The ownership rule's declaration covers the whole intake catalogue."""

from __future__ import annotations

import pytest
from cohort_contracts import REGISTRY
from cohort_kit import ownership

pytestmark = pytest.mark.unit


def test_every_intake_type_declares_the_entities_it_names():
    intake = {spec.type for spec in REGISTRY if spec.is_intake}
    missing = intake - set(ownership.INTAKE_REFS)
    assert not missing, f"add to cohort_kit/ownership.py INTAKE_REFS: {sorted(missing)}"
    assert set(ownership.INTAKE_REFS) <= intake


def test_every_declared_field_is_a_field_of_its_payload():
    for event_type, refs in ownership.INTAKE_REFS.items():
        fields = REGISTRY.spec(event_type).model.model_fields
        for ref in refs:
            assert ref.field in fields, f"{event_type} has no {ref.field}"


def test_each_kind_of_entity_is_published_by_exactly_one_intake_type():
    claimed = [r.kind for refs in ownership.INTAKE_REFS.values() for r in refs if r.claims]
    assert sorted(claimed) == ["course", "enrolment", "participant", "session"]
    # certificates are claimed by the certification service when it issues them


def test_the_namespace_of_an_id_names_its_agency():
    assert ownership.id_namespace("iom:s-1") == "iom"
    assert ownership.id_namespace("icmpd:reint-pm") == "icmpd"
    assert ownership.id_namespace("plain-id") is None
    assert ownership.id_namespace(":odd") is None
