"""The dashboard's words in English, French and Arabic (right to left).

The words are in `texts.json` (one object per language, the same keys in each: a unit
test checks it), which translators edit without touching the code. Figures' keys
(`will_improve_performance`, `decided`, ...) are never shown: each has words there;
country names, month names and numbers come from Babel (CLDR).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

# `LANGUAGES` and `accepted` are re-exported: the pages import it from here with the texts.
from cohort_kit.languages import LANGUAGES as LANGUAGES
from cohort_kit.languages import accepted as accepted
from cohort_kit.languages import load_texts, pick_language

TEXTS: dict[str, dict[str, str]] = load_texts(Path(__file__).with_name("texts.json"))

# The first of our languages among the wanted ones (BCP 47, e.g. `fr-CA`), else en.
language = partial(pick_language, TEXTS)
