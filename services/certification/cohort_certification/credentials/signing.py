"""Sign a credential with DataIntegrityProof / eddsa-rdfc-2022."""

from __future__ import annotations

import copy
from typing import Any

from .canon import signed_bytes
from .keys import SigningKey, b58encode


def sign(document: dict[str, Any], key: SigningKey, created: str) -> dict[str, Any]:
    """Return a copy of `document` with an embedded proof; `created` is an XML datetime."""
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": created,
        "verificationMethod": key.verification_method,
        "proofPurpose": "assertionMethod",
    }
    unsigned = {k: v for k, v in document.items() if k != "proof"}
    signature = key.private.sign(signed_bytes(unsigned, proof))
    signed = copy.deepcopy(unsigned)
    signed["proof"] = {**proof, "proofValue": "z" + b58encode(signature)}
    return signed
