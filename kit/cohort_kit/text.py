"""Text people typed, made safe to show next to other text.

Names, titles and venues are data, whatever they contain. Explicit bidirectional controls
(embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069) in such a value would reorder
the text around it where it is shown ("Training cancelled" reversed, a link's label swapped),
so they are removed before a value is put in a message or a page; the marks LRM/RLM/ALM
(U+200E, U+200F, U+061C) stay, they change no order outside the value.
"""

from __future__ import annotations

from typing import Any

BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
_DROP = str.maketrans(dict.fromkeys(BIDI_CONTROLS))


def without_bidi_controls(value: str) -> str:
    return value.translate(_DROP)


def shown(value: Any) -> Any:
    """`value` with every string in it (in dicts, lists, tuples) freed of bidi controls."""
    if isinstance(value, str):
        return without_bidi_controls(value)
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(shown(v) for v in value)
    return value
