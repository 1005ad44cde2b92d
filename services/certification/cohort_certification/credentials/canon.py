"""JSON-LD -> RDFC-1.0 canonical N-Quads, offline, in the same "safe mode" verifiers use.

Three things differ from calling pyld naively (see docs/certification.md):
- the document loader serves only the pinned contexts in `../contexts/` (no network);
- `rdfDirection: i18n-datatype`, or pyld drops `@direction` (Arabic values change the hash);
- RDFC-1.0 escapes every control character in literals; pyld escapes only five of them.
And a term the contexts do not define is an error here, never silently left unsigned.

RDFC-1.0 is exponential on "poison" graphs (symmetric blank nodes: every permutation is
hashed), so the work is bounded: at most `MAX_BLANK_NODES` blank nodes, at most
`MAX_STEPS` Hash N-Degree Quads steps and permutations, and a deadline; beyond, `TooComplex`.
A credential we issue has fewer than 10 blank nodes and needs no N-degree step at all.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pyld.nquads
from pyld import canon, jsonld

CONTEXTS = Path(__file__).resolve().parent.parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CREDENTIAL_CONTEXT = [VC_V2, OB_V3]

_ECHAR = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_ESCAPES = {chr(c): _ECHAR.get(chr(c), f"\\u{c:04X}") for c in (*range(0x20), 0x7F)} | {
    '"': '\\"',
    "\\": "\\\\",
}
_TABLE = str.maketrans(_ESCAPES)


def rdfc_escape(value: str) -> str:
    """RDFC-1.0 literal escaping: ECHAR for b t n f r quote backslash, else UCHAR."""
    return value.translate(_TABLE)


# pyld's serializer (used for hashing and output alike) looks `escape` up at call time.
pyld.nquads.escape = rdfc_escape  # type: ignore[assignment]


MAX_BLANK_NODES = 64
MAX_STEPS = 1000  # Hash N-Degree Quads calls and permutations tried, together
MAX_SECONDS = 1.0


class UnsafeDocument(ValueError):
    """A term or IRI that canonicalisation would drop: it would not be signed."""


class TooComplex(ValueError):
    """Canonicalising the document would take more work than any credential needs."""


class _Budget(threading.local):
    steps = 0
    deadline: float | None = None  # None: no canonicalisation of ours runs in this thread


_budget = _Budget()


def _spend() -> None:
    if _budget.deadline is None:
        return
    _budget.steps += 1
    if _budget.steps > MAX_STEPS or time.monotonic() > _budget.deadline:
        raise TooComplex(
            "its blank nodes are too entangled to canonicalise (more than "
            f"{MAX_STEPS} hashing steps or {MAX_SECONDS:g} s)"
        )


_all_permutations = canon.permutations


def _bounded_permutations(elements: list[str]) -> Iterator[list[str]]:
    for permutation in _all_permutations(elements):
        _spend()
        yield permutation


# pyld's Hash N-Degree Quads looks `permutations` up at call time, like `escape` above.
canon.permutations = _bounded_permutations


class _BoundedURDNA2015(canon.URDNA2015):  # type: ignore[misc]
    """pyld's RDFC-1.0 with a budget on its only super-linear step."""

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        _spend()
        return super().hash_n_degree_quads(id_, issuer)


@cache
def _index() -> dict[str, str]:
    return dict(json.loads((CONTEXTS / "INDEX.json").read_text()))


@cache
def _context(url: str) -> str:
    return (CONTEXTS / _index()[url]).read_text()


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """Serve the pinned contexts; refuse every other URL (fail closed)."""
    if url not in _index():
        raise UnsafeDocument(f"context {url!r} is not pinned locally")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(_context(url)),
        "contentType": "application/ld+json",
        # pyld keeps a resolved remote context across operations only when the loader
        # tags it; the pinned contexts never change, so "static" is exact (and the
        # context is no longer re-read, re-parsed and re-resolved on every canonicalise).
        "tag": "static",
    }


# pyld keeps resolved contexts in one process-wide LRU cache (cachetools) that is not
# thread-safe: two threads canonicalising at once (verifications, `/verify` at concurrency
# 2) could evict the same entry and fail with a KeyError (a 500). Pure Python holds the GIL
# anyway, so one canonicalisation at a time per process costs nothing; the worker
# processes (`workers.py`) are what runs several at once.
_PYLD = threading.Lock()


def canonicalize(document: dict[str, Any]) -> str:
    """Canonical N-Quads of `document`; raises `UnsafeDocument` on any dropped term and
    `TooComplex` when it is beyond the work limit."""
    with _PYLD:
        return _canonicalize(document)


def _canonicalize(document: dict[str, Any]) -> str:
    return from_dataset(to_dataset(document))


Dataset = dict[str, list[dict[str, Any]]]


def to_dataset(document: dict[str, Any]) -> Dataset:
    """JSON-LD -> RDF dataset, refusing dropped terms and relative IRIs (under `_PYLD`)."""
    dropped: list[str | None] = []
    processor = jsonld.JsonLdProcessor(on_property_dropped=dropped.append)
    try:
        dataset = processor.to_rdf(
            document,
            {
                "documentLoader": document_loader,
                "rdfDirection": "i18n-datatype",
                "safe": True,
                "base": "",
            },
        )
    except jsonld.JsonLdError as exc:
        raise UnsafeDocument(f"cannot canonicalise: {exc}") from exc
    if dropped:
        raise UnsafeDocument(f"terms not defined by the contexts: {sorted(map(str, dropped))}")
    refuse_relative_iris(dataset)
    return dict(dataset)


def refuse_relative_iris(dataset: Dataset) -> None:
    terms = [term for name, quads in dataset.items() for quad in quads for term in quad.values()]
    # Only real IRIs count: a `<` inside a literal (a name, a title) is data.
    if any(t["type"] == "IRI" and ":" not in t["value"] for t in terms) or any(
        name != "@default" and ":" not in name for name in dataset
    ):
        raise UnsafeDocument("relative IRI in the document")


def from_dataset(dataset: Dataset) -> str:
    """RDFC-1.0 of an RDF dataset, within the work limits (consumes `dataset`)."""
    blank = {
        t["value"]
        for quads in dataset.values()
        for quad in quads
        for t in quad.values()
        if t["type"] == "blank node"
    }
    if len(blank) > MAX_BLANK_NODES:
        raise TooComplex(f"{len(blank)} blank nodes; at most {MAX_BLANK_NODES} are accepted")
    _budget.steps, _budget.deadline = 0, time.monotonic() + MAX_SECONDS
    try:
        return str(_BoundedURDNA2015().main(dataset, {"format": "application/n-quads"}))
    finally:
        _budget.deadline = None


def sha256(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def proof_config(document: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """The proof options hashed with the document: the proof without `proofValue`,
    under the document's `@context`."""
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    config["@context"] = document["@context"]
    return config


def signed_bytes(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    """sha256(canon(proof config)) || sha256(canon(document without proof))."""
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    return sha256(canonicalize(proof_config(document, proof))) + sha256(canonicalize(unsigned))
