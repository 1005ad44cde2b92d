"""Choosing a reader's language: one rule for every page the services render.

Each service keeps its own texts; what they share is how a request says which language it
wants (an explicit choice, then the browser's Accept-Language) and how the first one we have
is picked.
"""

from __future__ import annotations

import json
from collections.abc import Container
from pathlib import Path

# Parts of an Accept-Language header read; the rest is ignored, so a hostile header of
# thousands of parts costs no more than a browser's.
MAX_ACCEPTED = 20

# Facts about the languages themselves, whichever of them a service has words in.
LANGUAGES = ("en", "fr", "ar")  # what the network's pages and messages are written in
RTL = frozenset({"ar"})  # written right to left
NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}  # each in its own words


def direction(lang: str) -> str:
    """The HTML `dir` of a text in `lang`."""
    return "rtl" if lang in RTL else "ltr"


def accepted(header: str | None) -> list[str]:
    """Languages of an Accept-Language header, most wanted first (q=0 excluded)."""
    weighted: list[tuple[float, int, str]] = []
    for n, part in enumerate((header or "").split(",")[:MAX_ACCEPTED]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            weighted.append((-q, n, tag))
    return [tag for _, _, tag in sorted(weighted)]


def load_texts(path: Path) -> dict[str, dict[str, str]]:
    """A service's words, by language, from its catalogue file (a JSON object per language)."""
    texts: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return texts


def pick_language(supported: Container[str], *wanted: str | None, default: str = "en") -> str:
    """The first supported language among the wanted ones (BCP 47, e.g. `fr-CA`), else default."""
    for tag in wanted:
        if tag:
            primary = tag.strip().split("-")[0].split("_")[0].lower()
            if primary in supported:
                return primary
    return default
