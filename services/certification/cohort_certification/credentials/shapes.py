"""Canonicalise a document from the RDF dataset of its shape: the same bytes, less work.

JSON-LD expansion (contexts, scoped contexts, term definitions) is ~75 % of a pyld
canonicalisation, and it depends on a document's *shape* -- its keys, its `type`s and
`@context`s, its numbers and booleans -- not on its strings. So the dataset of a shape is
made once, with a unique placeholder for every string, and a document of that shape gets its
dataset by putting its own strings in; RDFC-1.0 then runs on it as always (blank node labels
depend on the values). A placeholder that comes out as a literal's value takes any string;
one that comes out as an IRI takes only an absolute http(s) IRI without spaces (expansion
returns such a value unchanged). Anything else -- a placeholder dropped, changed or inside
another term, an IRI slot given another kind of string -- and the full canonicalisation is
used. Equal values that become equal quads are merged, as JSON-LD merges them. The verifier
never takes this path; tests compare both byte for byte.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import canon

# Keys whose string values shape the expansion itself (terms, languages, contexts).
FIXED_KEYS = frozenset({"@context", "type", "@type", "@language", "@direction"})
_NONCE = secrets.token_hex(8)
_SLOT = re.compile(rf"urn:x-cohort-slot:(\d+):{_NONCE}")
_PLAIN_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")

# One term of a template quad: (type, value, datatype, language); `value` is a slot number
# when it is an int.
Term = tuple[str, str | int, str | None, str | None]
Quad = tuple[str | None, Term, Term, Term]  # graph name, subject, predicate, object


@dataclass(frozen=True)
class Template:
    quads: tuple[Quad, ...]
    iri_slots: frozenset[int]  # slots that must be plain absolute IRIs


def _slot(n: int) -> str:
    return f"urn:x-cohort-slot:{n}:{_NONCE}"


def shape(node: Any, strings: list[str]) -> Any:
    """`node` with every string that is not FIXED replaced by a placeholder (appended to
    `strings` in order)."""
    if isinstance(node, str):
        strings.append(node)
        return _slot(len(strings) - 1)
    if isinstance(node, list):
        return [shape(item, strings) for item in node]
    if isinstance(node, dict):
        return {k: v if k in FIXED_KEYS else shape(v, strings) for k, v in node.items()}
    return node


def canonicalize(document: dict[str, Any]) -> str:
    """`canon.canonicalize(document)`, byte for byte, from the template of its shape."""
    strings: list[str] = []
    shaped = shape(document, strings)
    key = json.dumps(shaped, ensure_ascii=False, separators=(",", ":"))
    with canon._PYLD:
        template = _template(key)
        if template is None or any(
            not _PLAIN_IRI.fullmatch(strings[n]) for n in template.iri_slots
        ):
            return canon._canonicalize(document)
        dataset = _fill(template, strings)
        canon.refuse_relative_iris(dataset)
        return canon.from_dataset(dataset)


@lru_cache(maxsize=64)
def _template(key: str) -> Template | None:
    """The dataset of a shape with its slots marked, or None when a placeholder did not come
    out whole (then the shape is always canonicalised in full)."""
    try:
        dataset = canon.to_dataset(json.loads(key))
    except (canon.UnsafeDocument, canon.TooComplex):
        return None  # the full path raises the same error with the document's own detail
    quads: list[Quad] = []
    iri_slots: set[int] = set()
    seen: set[int] = set()
    for name, triples in dataset.items():
        graph = None if name == "@default" else name
        if graph is not None and "urn:x-cohort-slot:" in graph:
            return None
        for quad in triples:
            terms = []
            for position in ("subject", "predicate", "object"):
                term = _term(quad[position], position, iri_slots, seen)
                if term is None:
                    return None
                terms.append(term)
            quads.append((graph, terms[0], terms[1], terms[2]))
    if len(seen) != len(_SLOT.findall(key)):
        return None  # a string that no quad carries (dropped, or transformed)
    return Template(tuple(quads), frozenset(iri_slots))


def _term(term: dict[str, Any], position: str, iri_slots: set[int], seen: set[int]) -> Term | None:
    value = term["value"]
    datatype, language = term.get("datatype"), term.get("language")
    if any("urn:x-cohort-slot:" in str(x) for x in (datatype, language)):
        return None
    match = _SLOT.fullmatch(value)
    if match is None:
        return None if "urn:x-cohort-slot:" in value else (term["type"], value, datatype, language)
    n = int(match.group(1))
    if position == "predicate" or term["type"] == "blank node":
        return None
    if (term["type"] == "IRI") != (n in iri_slots) and n in seen:
        return None  # the same string both an IRI and a literal: not worth the care
    if term["type"] == "IRI":
        iri_slots.add(n)
    seen.add(n)
    return (term["type"], n, datatype, language)


def _fill(template: Template, strings: list[str]) -> canon.Dataset:
    """The template's quads with the document's strings put in, equal quads merged."""
    dataset: canon.Dataset = {}
    done: set[tuple[Any, ...]] = set()
    for graph, *terms in template.quads:
        filled = [
            (kind, strings[value] if isinstance(value, int) else value, datatype, language)
            for kind, value, datatype, language in terms
        ]
        identity = (graph, *filled)
        if identity in done:
            continue
        done.add(identity)
        subject, predicate, obj = (_dict(t) for t in filled)
        dataset.setdefault(graph or "@default", []).append(
            {"subject": subject, "predicate": predicate, "object": obj}
        )
    return dataset


def _dict(term: tuple[str, Any, str | None, str | None]) -> dict[str, Any]:
    kind, value, datatype, language = term
    out = {"type": kind, "value": value}
    if datatype is not None:
        out["datatype"] = datatype
    if language is not None:
        out["language"] = language
    return out
