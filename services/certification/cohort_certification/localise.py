"""Dates, numbers and country names in a reader's language (Babel/CLDR), and names kept
safe for bidirectional text. Shared by the verification page and the printed certificate."""

from __future__ import annotations

import unicodedata
from datetime import date

import pycountry
from babel import Locale
from babel.dates import format_date, format_interval
from babel.numbers import format_decimal

# Explicit embeddings, overrides and isolates: a name carrying them could reverse or hide
# the text printed around it. Names are shown without them (and isolated by the page).
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def clean_name(name: str) -> str:
    """A person's or course's name without bidi controls or other invisible format marks
    (ZWJ/ZWNJ are kept: Arabic and Indic spellings need them)."""
    text = name.translate(BIDI_CONTROLS)
    return "".join(
        ch for ch in text if unicodedata.category(ch) != "Cc" and ch not in "\u200e\u200f\u061c"
    ).strip()


def day(value: date, lang: str) -> str:
    return str(format_date(value, "long", locale=lang))


def days(start: date, end: date, lang: str) -> str:
    if start == end:
        return day(start, lang)
    return str(format_interval(start, end, "yMMMd", locale=lang))


def number(value: float, lang: str) -> str:
    return str(format_decimal(value, "#,##0.##", locale=lang))


def country(code: str | None, lang: str) -> str | None:
    """`COM` -> `Comores` (fr), `جزر القمر` (ar): ISO 3166 alpha-3 (what the contracts carry)
    to the CLDR territory name; the code itself when it is not a country we know."""
    if not code:
        return None
    found = pycountry.countries.get(alpha_3=code.upper())
    if found is None:
        return code
    return str(Locale.parse(lang).territories.get(found.alpha_2) or found.name)
