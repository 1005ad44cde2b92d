"""Ed25519 keys and their encodings: base58btc, Multikey `publicKeyMultibase`."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        idx = _B58.find(ch)
        if idx < 0:
            raise ValueError(f"{ch!r} is not base58btc")
        n = n * 58 + idx
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def multibase_public_key(raw: bytes) -> str:
    """`z` + base58btc(0xed 0x01 || 32-byte key), as Multikey documents carry it."""
    return "z" + b58encode(_ED25519_PUB + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58btc (z...)")
    data = b58decode(value[1:])
    if len(data) != 34 or data[:2] != _ED25519_PUB:
        raise ValueError("not an Ed25519 multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


@dataclass(frozen=True)
class SigningKey:
    """An agency's Ed25519 key; `verification_method` is the key id put in proofs."""

    seed: bytes
    verification_method: str

    @property
    def private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def multibase(self) -> str:
        return multibase_public_key(self.public_raw)


def key_id(controller: str, public_raw: bytes) -> str:
    """`<controller>#<publicKeyMultibase>`: a fragment of the issuer's controller document."""
    return f"{controller}#{multibase_public_key(public_raw)}"
