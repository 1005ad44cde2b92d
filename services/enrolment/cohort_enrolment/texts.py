"""The participant page's words in English, French and Arabic (right to left).

The words are in `texts.json` (one object per language, the same keys in each: a unit
test checks it), which translators edit without touching the code. Dates and
language names come from Babel (CLDR), so they read naturally in each language.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path

# `LANGUAGES` and `accepted` are re-exported: the pages import it from here with the texts.
from cohort_kit.languages import LANGUAGES as LANGUAGES
from cohort_kit.languages import accepted as accepted
from cohort_kit.languages import load_texts, pick_language

TEXTS: dict[str, dict[str, str]] = load_texts(Path(__file__).with_name("texts.json"))

# The first of our languages among the wanted ones (BCP 47, e.g. `fr-CA`), else en.
language = partial(pick_language, TEXTS)


def localised(text: dict[str, str] | None, wanted: Iterable[str]) -> tuple[str, str]:
    """(text, its language) from a localised object: the wanted languages, then en, then any."""
    text = text or {}
    for lang in [*wanted, "en"]:
        for key, value in text.items():
            if key.split("-")[0].lower() == lang:
                return value, key
    for key, value in text.items():
        return value, key
    return "", ""
