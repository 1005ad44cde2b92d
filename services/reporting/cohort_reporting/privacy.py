"""Statistical disclosure control: no published cell stands for fewer than 5 people.

Primary suppression hides every count of people from 1 to 4. Secondary suppression then
makes sure no hidden cell can be recomputed from what is shown: in every sum a reader knows
(a total and its parts), a lone hidden part would equal the total minus the others, so the
next smallest shown part is hidden too; a hidden total whose parts are all shown is hidden
again through its smallest part. Figures computed from hidden cells (percentages, means)
are hidden with them. Suppressed values become `null` and their paths are listed.
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
            lone = [p for p in parts if p in hidden]
            pick: str | None
            if total not in hidden and len(lone) == 1:
                pick = smallest(parts) or total
            elif total in hidden and not lone:
                pick = smallest(parts)
            else:
                continue
            if pick is not None and pick not in hidden:
                hidden.add(pick)
                changed = True
    for path, inputs in rules.derived.items():
        if any(i in hidden for i in inputs):
            hidden.add(path)
    return hidden


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
