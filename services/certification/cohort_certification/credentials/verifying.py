"""Verify an eddsa-rdfc-2022 credential. Independent of `signing.py` by design: it
recomputes everything from the document and trusts only the resolved public key."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature

from .canon import CREDENTIAL_CONTEXT, TooComplex, UnsafeDocument, signed_bytes
from .keys import b58decode, public_key_from_multibase


@dataclass(frozen=True)
class VerificationMethod:
    """A Multikey as the controller document publishes it."""

    id: str
    controller: str
    public_key_multibase: str
    assertion: bool = True  # listed under the controller's `assertionMethod`


@dataclass
class Verification:
    verified: bool
    errors: list[str] = field(default_factory=list)
    issuer: str | None = None
    verification_method: str | None = None


Resolver = Callable[[str], VerificationMethod | None]


def issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        value = issuer.get("id")
        return value if isinstance(value, str) else None
    return issuer if isinstance(issuer, str) else None


def verify(document: dict[str, Any], resolve: Resolver) -> Verification:
    """Check proof shape, key binding (issuer = controller, assertionMethod) and signature."""
    errors: list[str] = []
    proof = document.get("proof")
    issuer = issuer_id(document)
    if not isinstance(proof, dict):
        return Verification(False, ["no proof"], issuer)
    method_id = proof.get("verificationMethod")
    result = Verification(False, errors, issuer, method_id)
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != "eddsa-rdfc-2022":
        errors.append("unsupported proof type or cryptosuite")
    if proof.get("proofPurpose") != "assertionMethod":
        errors.append("proof purpose is not assertionMethod")
    if document.get("@context") != CREDENTIAL_CONTEXT:
        errors.append("unexpected @context (order and versions are pinned)")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        errors.append("proofValue is not base58btc multibase")
    method = resolve(method_id) if isinstance(method_id, str) else None
    if method is None:
        errors.append("unknown verification method")
    else:
        if method.controller != issuer:
            errors.append("issuer is not the controller of the verification method")
        if not method.assertion:
            errors.append("verification method is not an assertion method of its controller")
    if errors or method is None or not isinstance(value, str):
        return result
    try:
        data = signed_bytes(document, proof)
        signature = b58decode(value[1:])
        public_key_from_multibase(method.public_key_multibase).verify(signature, data)
    except TooComplex:
        raise  # not a verdict on the credential: the caller refuses the work
    except UnsafeDocument as exc:
        errors.append(str(exc))
    except (InvalidSignature, ValueError):
        errors.append("signature does not match")
    result.verified = not errors
    return result
