"""Canonicalising by shape gives the full canonicalisation's bytes, or its error."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from cohort_certification.credentials import canon, shapes

from tests.certification.test_independent_verifier import CREDENTIALS, unsigned

pytestmark = pytest.mark.unit


def same(document: dict[str, Any]) -> str:
    full = canon.canonicalize(copy.deepcopy(document))
    fast = shapes.canonicalize(copy.deepcopy(document))
    assert fast == full
    return fast


def template_of(document: dict[str, Any]) -> shapes.Template | None:
    key = json.dumps(shapes.shape(document, []), ensure_ascii=False, separators=(",", ":"))
    return shapes._template(key)


def edited(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = unsigned()
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize("case", list(CREDENTIALS))
def test_every_signed_case_canonicalises_to_the_same_bytes(case):
    same(CREDENTIALS[case]())


def test_our_credential_has_a_template_with_its_ids_as_iri_slots():
    doc = unsigned()
    template = template_of(doc)
    assert template is not None
    strings: list[str] = []
    shapes.shape(doc, strings)
    assert {strings[n] for n in template.iri_slots} >= {doc["id"], doc["issuer"]["id"]}


def test_two_documents_of_one_shape_differ_only_where_their_strings_do():
    a, b = unsigned("Ann", "Lee", index=1), unsigned("مصطفى", "محمود\u0007", index=2)
    assert template_of(a) is template_of(b)
    assert same(a) != same(b)


@pytest.mark.parametrize(
    "path, value",
    [
        # equal values that become one quad: JSON-LD merges them
        (("credentialSubject", "achievement", "tag"), ["Reintegration", "Reintegration"]),
        (("description",), "Reintegration"),
        # two nodes with one id: merged into one node
        (("credentialSubject", "achievement", "id"), "https://cohort.example.org/issuers/icmpd"),
        # a literal that looks like an IRI, or like a placeholder, is still a literal
        (("name",), "https://cohort.example.org/issuers/icmpd"),
        (("name",), "urn:x-cohort-slot:0:0000000000000000"),
        (("name",), ""),
        # ids that are not plain http(s) IRIs take the full path
        (("id",), "urn:uuid:6d2f3a44-0f1e-4d8e-9a55-2b6a8f7f1c10"),
        (("id",), "did:example:123"),
        (("issuer", "id"), "https://cohort.example.org/a b"),
        # a number changes the shape, not a slot
        (("credentialSubject", "creditsEarned"), 7.5),
    ],
)
def test_hostile_values_canonicalise_to_the_same_bytes(path, value):
    same(edited(path, value))


def outcome(canonicalize: Any, document: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "bytes", canonicalize(copy.deepcopy(document))
    except (canon.UnsafeDocument, canon.TooComplex) as exc:
        return "refused", type(exc)


@pytest.mark.parametrize(
    "path, value",
    [
        (("id",), "relative/credential"),
        (("issuer", "id"), "#fragment-only"),
        (("credentialStatus", "id"), "_:b0"),
        (("credentialSubject", "undefinedTerm"), "x"),
    ],
)
def test_what_the_full_path_does_with_bad_ids_and_terms_is_done_alike(path, value):
    doc = edited(path, value)
    assert outcome(shapes.canonicalize, doc) == outcome(canon.canonicalize, doc)


def test_an_undefined_term_is_refused_on_both_paths():
    doc = edited(("credentialSubject", "undefinedTerm"), "x")
    assert outcome(shapes.canonicalize, doc) == ("refused", canon.UnsafeDocument)


def test_random_strings_in_every_slot_canonicalise_to_the_same_bytes():
    rng = random.Random(18)
    alphabet = "aZ09 <>\"'\\&#:/\u0000\u0007\n\t\u007f\u200f\u202eé مصطفى"
    template = unsigned()
    for _ in range(30):
        doc = copy.deepcopy(template)
        _scramble(doc, rng, alphabet)
        same(doc)


def _scramble(node: Any, rng: random.Random, alphabet: str) -> None:
    """Random strings in place of literals; some made equal to each other on purpose."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in list(items):
        if k in shapes.FIXED_KEYS:
            continue
        if isinstance(v, (dict, list)):
            _scramble(v, rng, alphabet)
        elif isinstance(v, str) and not v.startswith("http"):
            size = rng.randrange(0, 12)
            node[k] = "same" if rng.random() < 0.2 else "".join(rng.choices(alphabet, k=size))
