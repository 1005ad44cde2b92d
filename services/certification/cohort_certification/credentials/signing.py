"""Sign a credential with DataIntegrityProof / eddsa-rdfc-2022.

The document is canonicalised once, from the dataset of its shape (`shapes.py`: expansion
once per shape, the strings put in, the same bytes). The proof options (type, cryptosuite, created,
verificationMethod, proofPurpose) are one blank node whose canonical N-Quads differ between
two credentials of a key only in the `created` literal: they are canonicalised once per key
and context with a placeholder date, and the date is put in (`proof_hash`). A `created`
that is not a plain XML datetime, or a context that is not a list of URLs, takes the full
canonicalisation instead. The verifier (`verifying.py`) never uses this shortcut.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

from .canon import canonicalize, proof_config, sha256
from .keys import SigningKey, b58encode
from .shapes import canonicalize as canonicalize_by_shape

# Characters RDFC-1.0 never escapes, so the literal is the text itself.
_XML_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
_PLACEHOLDER = '"0001-01-01T00:00:00Z"'


def proof_options(method: str, created: str) -> dict[str, Any]:
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    }


@lru_cache(maxsize=256)
def _proof_template(context: tuple[str, ...], method: str) -> str | None:
    """Canonical N-Quads of the proof options with the placeholder date, or None when the
    placeholder is not found exactly once (then the template cannot be trusted)."""
    options = proof_options(method, _PLACEHOLDER.strip('"'))
    text = canonicalize(proof_config({"@context": list(context)}, options))
    return text if text.count(_PLACEHOLDER) == 1 else None


def proof_hash(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    """sha256(canon(proof config)), from the per-key template when it applies."""
    context, created = document.get("@context"), proof.get("created")
    urls = tuple(context) if isinstance(context, list) else ()
    plain = bool(urls) and all(isinstance(c, str) for c in urls)
    if plain and isinstance(created, str) and _XML_DATETIME.fullmatch(created):
        template = _proof_template(urls, str(proof["verificationMethod"]))
        if template is not None:
            return sha256(template.replace(_PLACEHOLDER, f'"{created}"'))
    return sha256(canonicalize(proof_config(document, proof)))


def sign(document: dict[str, Any], key: SigningKey, created: str) -> dict[str, Any]:
    """Return a copy of `document` with an embedded proof; `created` is an XML datetime."""
    proof = proof_options(key.verification_method, created)
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    data = proof_hash(unsigned, proof) + sha256(canonicalize_by_shape(unsigned))
    signature = key.private.sign(data)
    signed = copy.deepcopy(unsigned)
    signed["proof"] = {**proof, "proofValue": "z" + b58encode(signature)}
    return signed
