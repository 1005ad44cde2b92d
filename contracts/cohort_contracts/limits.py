"""Bounds every message must keep before anything parses it.

A body nested 10,000 deep makes `json.loads` raise `RecursionError` (and costs stack in any
recursive parser); a huge body costs memory and time. Both are refused up front with a named
reason, by the consumer (`cohort_kit`) and by `cohort publish` alike.

The defaults leave room: the deepest legitimate event (a report's figures) nests about 8
levels, the largest (a course with many modules and materials) is a few tens of kB. A
dead-letter record keeps the body in base64, so the size limit also keeps such a record
well under the NATS `max_payload` (8 MB in `deploy/nats`).
"""

from __future__ import annotations

from .errors import TooDeep, TooLarge

MAX_MESSAGE_BYTES = 1_048_576
MAX_JSON_DEPTH = 64

_BRACKETS = bytes.maketrans(b"[]{}", b"()()")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def _brackets(body: bytes) -> bytes:
    """The arrays and objects of `body` as `(` and `)`, with everything else (and what is
    inside strings) taken out. Only C-speed byte operations, linear in the size."""
    # Escapes first, left to right as a parser reads them: `\\`, then `\"`.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(unescaped.split(b'"')[0::2])
    return outside_strings.translate(_BRACKETS, _NOT_BRACKETS)


def deeper_than(body: bytes, limit: int) -> bool:
    """True when `body` nests arrays and objects more than `limit` levels, without parsing.

    Each pass removes the innermost pairs, so after `limit` passes a pair is left only if
    the nesting goes deeper. Brackets left open (a cut body) are closed at the end first, as
    a parser would have gone that deep before failing. (Any other body that is not JSON may
    come out either way; the parser refuses it anyway.)
    """
    shape = _brackets(body)
    opened, closed = shape.count(b"("), shape.count(b")")
    if opened != closed:
        shape += b")" * opened
    for _ in range(limit):
        if not shape:
            return False
        shape = shape.replace(b"()", b"")
    return b"()" in shape


def check(
    body: bytes | str,
    *,
    max_bytes: int = MAX_MESSAGE_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> None:
    """Raise `TooLarge` or `TooDeep` when `body` breaks a bound."""
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if len(data) > max_bytes:
        raise TooLarge(f"body is {len(data)} bytes; the limit is {max_bytes}")
    if deeper_than(data, max_depth):
        raise TooDeep(f"body nests arrays and objects deeper than the limit of {max_depth}")
