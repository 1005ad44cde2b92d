"""Bitstring Status List v1.0: the revocation bits of one agency, gzip + base64url multibase."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

MIN_BITS = 131_072  # 16 KiB: the specification's minimum, for herd privacy


def encode(revoked: Iterable[int], size: int = MIN_BITS) -> str:
    """`u` + base64url(gzip(bits)), index 0 being the most significant bit of byte 0."""
    indices = list(revoked)
    bits = max(size, (max(indices, default=0) // MIN_BITS + 1) * MIN_BITS)
    buf = bytearray(bits // 8)
    for i in indices:
        buf[i // 8] |= 0x80 >> (i % 8)
    packed = gzip.compress(bytes(buf), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def is_set(encoded: str, index: int) -> bool:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be base64url multibase (u...)")
    raw = encoded[1:]
    data = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if index // 8 >= len(data):
        raise ValueError("status index beyond the list")
    return bool(data[index // 8] & (0x80 >> (index % 8)))
