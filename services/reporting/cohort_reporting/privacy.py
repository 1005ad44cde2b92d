"""Statistical disclosure control: no published cell stands for fewer than 5 people.

Primary suppression hides every count of people from 1 to 4. Secondary suppression then
makes sure no hidden cell can be recomputed from what is shown: in every sum a reader knows
(a total and its parts), a lone hidden part would equal the total minus the others, so the
next smallest shown part is hidden too (and more, until the hidden parts stand for at least 5
people); a hidden total hides all its parts, zeros included (a zero next to a hidden total
says what its few people are not). Every breakdown lists all its categories (see
`domain.categories`), so the keys themselves say nothing. Figures computed from hidden
cells (percentages, means) are hidden with them. Suppressed values become `null` and their
paths are listed.
"""

from __future__ import annotations

import copy
from typing import Any

from .domain import PrivacyRules

THRESHOLD = 5


def get(figures: dict[str, Any], path: str) -> Any:
    node: Any = figures
    for key in _split(figures, path):
        node = node[key]
    return node


def _split(figures: dict[str, Any], path: str) -> list[str]:
    """Path keys; a key may itself contain dots (e.g. a programme `EMM2.0`)."""
    keys: list[str] = []
    node: Any = figures
    rest = path
    while rest:
        for candidate in sorted(node, key=len, reverse=True) if isinstance(node, dict) else []:
            if rest == candidate or rest.startswith(candidate + "."):
                keys.append(candidate)
                node = node[candidate]
                rest = rest[len(candidate) + 1 :]
                break
        else:
            raise KeyError(path)
    return keys


def _set_none(figures: dict[str, Any], path: str) -> None:
    keys = _split(figures, path)
    node: Any = figures
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = None


def _count(figures: dict[str, Any], path: str) -> int:
    try:
        value = get(figures, path)
    except KeyError:  # a smaller period without that group: nobody in it
        return 0
    return value if isinstance(value, int) else 0


def differencing_paths(
    whole: dict[str, Any], partitions: list[list[dict[str, Any]]], rules: PrivacyRules
) -> set[str]:
    """Cells of `whole` (raw figures of a period) that a reader could recover from the
    reports of the periods nested in it (each partition: raw figures of its parts).

    A cell is hidden when the difference with any one nested period is 1–4 people, or when
    the difference with the sum of the parts of a partition that their own reports show
    is 1–4 (subtracting the other months from a quarter gives the hidden month).
    """
    hidden: set[str] = set()
    for path in rules.person_cells:
        total = _count(whole, path)
        for parts in partitions:
            values = [_count(p, path) for p in parts]
            shown = sum(v for v in values if not 0 < v < THRESHOLD)
            if 0 < total - shown < THRESHOLD or any(0 < total - v < THRESHOLD for v in values):
                hidden.add(path)
                break
    return hidden


def suppressed_paths(
    figures: dict[str, Any], rules: PrivacyRules, forced: set[str] | frozenset[str] = frozenset()
) -> set[str]:
    value = {p: get(figures, p) for p in rules.person_cells}
    hidden = {p for p, v in value.items() if isinstance(v, int) and 0 < v < THRESHOLD}
    hidden |= forced & set(value)

    def smallest(candidates: list[str]) -> str | None:
        shown = [p for p in candidates if p not in hidden]
        if not shown:
            return None
        # Prefer a non-zero cell: hiding a zero that everyone can guess protects nothing.
        return min(shown, key=lambda p: (value.get(p, 0) == 0, value.get(p, 0), p))

    changed = True
    while changed:
        changed = False
        for total, parts in rules.constraints:
            if not parts:
                continue
            pick = _secondary(total, parts, hidden, value, smallest)
            if pick is not None and pick not in hidden:
                hidden.add(pick)
                changed = True
    for path, inputs in rules.derived.items():
        if any(i in hidden for i in inputs):
            hidden.add(path)
    return hidden


def _secondary(
    total: str,
    parts: list[str],
    hidden: set[str],
    value: dict[str, Any],
    smallest: Any,
) -> str | None:
    """The next cell to hide so that (total, parts) gives nothing away, or None.

    - A shown total with one hidden part would give the part away; a shown total whose
      hidden parts add up to 1-4 gives that small group away (e.g. "not women: 3").
    - A hidden total hides all its parts: next to a hidden total even a part shown as 0
      says something about its few people (all of them women when the only other hidden
      part is `female`; none of them in government), so a small group is shown not at all.
    """
    lone = [p for p in parts if p in hidden]
    if total in hidden:
        return smallest(parts)
    small = 0 < sum(value.get(p) or 0 for p in lone) < THRESHOLD
    if len(lone) == 1 or (lone and small):
        return smallest(parts) or total
    return None


def protect(
    figures: dict[str, Any], rules: PrivacyRules, forced: set[str] | frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[str]]:
    """Figures with suppressed cells set to null, and the sorted list of their paths;
    `forced` cells are hidden as if they were small (differencing)."""
    hidden = suppressed_paths(figures, rules, forced)
    out = copy.deepcopy(figures)
    for path in hidden:
        _set_none(out, path)
    return out, sorted(hidden)
