"""The certification pages' and certificate's words in English, French and Arabic.

The words are in `texts.json` (one object per language, the same keys in each: a unit
test checks it), which translators edit without touching the code. Dates and
country names come from Babel (CLDR), so they read naturally in each language.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

# `LANGUAGES`, `RTL` and `accepted` are re-exported: pdf.py and the page import them
# with the texts.
from cohort_kit.languages import LANGUAGES as LANGUAGES
from cohort_kit.languages import RTL as RTL
from cohort_kit.languages import accepted as accepted
from cohort_kit.languages import load_texts, pick_language

TEXTS: dict[str, dict[str, str]] = load_texts(Path(__file__).with_name("texts.json"))

# The first of our languages among the wanted ones (BCP 47, e.g. `fr-CA`), else en.
language = partial(pick_language, TEXTS)


def certificate_language(facts: Mapping[str, Any]) -> str:
    """The certificate's language: the session's first language we print in (as the PDF)."""
    languages = list((facts.get("session") or {}).get("languages") or ["en"])
    return next((x for x in languages if x in TEXTS), "en")
