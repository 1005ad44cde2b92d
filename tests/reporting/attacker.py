"""An attacker who knows how the figures add up and tries to recover suppressed cells.

Written from the published report alone (not from the service's privacy rules): each
equation a reader knows is solved whenever exactly one of its cells is unknown.
"""

from __future__ import annotations

from typing import Any


def _get(figures: dict[str, Any], *keys: str) -> Any:
    node: Any = figures
    for k in keys:
        node = node[k]
    return node


def equations(figures: dict[str, Any]) -> list[tuple[tuple[str, ...], list[tuple[str, ...]]]]:
    """(total, parts) that any reader of a report knows to hold."""
    eqs = []
    p = figures["participants"]
    for key in ("by_sex", "by_organisation_kind", "by_nationality", "by_residence"):
        eqs.append((("participants", "trained"), [("participants", key, v) for v in p[key]]))
    eqs.append(
        (
            ("completion", "decided"),
            [("completion", k) for k in ("completed", "attended", "not_completed")],
        )
    )
    eqs.append(
        (("participants", "trained"), [("completion", "completed"), ("completion", "attended")])
    )
    eqs.append(
        (("certificates", "issued"), [("certificates", "revoked"), ("certificates", "valid")])
    )
    dist = figures["knowledge_gain"]["distribution"]
    eqs.append(
        (("knowledge_gain", "participants"), [("knowledge_gain", "distribution", k) for k in dist])
    )
    return eqs


def recover(figures: dict[str, Any]) -> dict[tuple[str, ...], float]:
    """Every suppressed cell the attacker can compute, with its value."""
    known: dict[tuple[str, ...], float] = {}

    def value(path: tuple[str, ...]) -> float | None:
        if path in known:
            return known[path]
        v = _get(figures, *path)
        return None if v is None else float(v)

    changed = True
    while changed:
        changed = False
        for total, parts in equations(figures):
            cells = [total, *parts]
            unknown = [c for c in cells if value(c) is None]
            if len(unknown) != 1:
                continue
            u = unknown[0]
            if u == total:
                known[u] = sum(value(c) or 0.0 for c in parts)
            else:
                known[u] = (value(total) or 0.0) - sum(value(c) or 0.0 for c in parts if c != u)
            changed = True
    # Percentages times the respondents give the count of people who agreed.
    sat = figures["satisfaction"]
    for rating, pct in sat["agree_percent"].items():
        if sat["agree"][rating] is None and pct is not None and sat["respondents"] is not None:
            known[("satisfaction", "agree", rating)] = round(pct * sat["respondents"] / 100)
    comp = figures["completion"]
    if comp["completed"] is None and comp["rate_percent"] is not None and comp["decided"]:
        known[("completion", "completed")] = round(comp["rate_percent"] * comp["decided"] / 100)
    return known


BREAKDOWNS = ("by_sex", "by_organisation_kind", "by_nationality", "by_residence")


def key_sets(figures: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """Which categories each breakdown of people lists (what a reader sees without numbers)."""
    return {key: tuple(sorted(figures["participants"][key])) for key in BREAKDOWNS}


def pattern(figures: dict[str, Any]) -> set[tuple[str, str]]:
    """Which cells of the breakdowns are suppressed."""
    return {
        (key, cat)
        for key in BREAKDOWNS
        for cat, v in figures["participants"][key].items()
        if v is None
    }


def disclosures(figures: dict[str, Any]) -> list[str]:
    """What the keys and the suppression pattern say about small groups of people.

    - A suppressed total (1-4 people, or hidden for another reason) whose breakdown leaves a
      single category that may hold anyone: all of them have that attribute.
    - A suppressed total next to a category shown as 0: none of its few people has it.
    - A shown total whose suppressed parts add up to 1-4: a small group, given away.
    """
    found = []
    p = figures["participants"]
    for key in BREAKDOWNS:
        cells = p[key]
        possible = [c for c, v in cells.items() if v is None or v > 0]
        hidden = [c for c, v in cells.items() if v is None]
        if p["trained"] is None:
            if len(possible) == 1:
                found.append(f"every person trained has {key} = {possible[0]}")
            found.extend(f"no person trained has {key} = {c}" for c, v in cells.items() if v == 0)
        elif hidden:
            rest = p["trained"] - sum(v for v in cells.values() if v is not None)
            if 0 < rest < 5:
                found.append(f"{rest} people trained have {key} in {sorted(hidden)}")
    return found
