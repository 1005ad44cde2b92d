"""JSON-LD -> RDFC-1.0 canonical N-Quads, offline, in the same "safe mode" verifiers use.

Three things differ from calling pyld naively (see docs/certification.md):
- the document loader serves only the pinned contexts in `../contexts/` (no network);
- `rdfDirection: i18n-datatype`, or pyld drops `@direction` (Arabic values change the hash);
- RDFC-1.0 escapes every control character in literals; pyld escapes only five of them.
And a term the contexts do not define is an error here, never silently left unsigned.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pyld.nquads
from pyld import jsonld

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


class UnsafeDocument(ValueError):
    """A term or IRI that canonicalisation would drop: it would not be signed."""


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


def canonicalize(document: dict[str, Any]) -> str:
    """Canonical N-Quads of `document`; raises `UnsafeDocument` on any dropped term."""
    dropped: list[str | None] = []
    processor = jsonld.JsonLdProcessor(on_property_dropped=dropped.append)
    try:
        nquads = processor.normalize(
            document,
            {
                "algorithm": "URDNA2015",
                "format": "application/n-quads",
                "documentLoader": document_loader,
                "rdfDirection": "i18n-datatype",
                "safe": True,
            },
        )
    except jsonld.JsonLdError as exc:
        raise UnsafeDocument(f"cannot canonicalise: {exc}") from exc
    if dropped:
        raise UnsafeDocument(f"terms not defined by the contexts: {sorted(map(str, dropped))}")
    if "<" in nquads and _relative_iri(nquads):
        raise UnsafeDocument("relative IRI in the document")
    return str(nquads)


def _relative_iri(nquads: str) -> bool:
    for line in nquads.splitlines():
        for part in line.split("<")[1:]:
            iri = part.split(">", 1)[0]
            if ":" not in iri:
                return True
    return False


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
