"""Messages from Jinja2 templates: localised subject, plain text and HTML.

`templates/<lang>/<name>.j2` defines the blocks `subject`, `text` and `body`; it extends
`_layout.j2`, which renders one of them per `part` and wraps `body` in an HTML document
(`dir="rtl"` for Arabic). Dates are
formatted with Babel in the session's time zone and the recipient's locale.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from cohort_kit.text import shown
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .domain import LANGUAGES

TEMPLATES_DIR = Path(__file__).parent / "templates"
RTL = frozenset({"ar"})


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class MissingTemplate(Exception):
    pass


def _fmt_date(value: date | str, lang: str, fmt: str = "full") -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, format=fmt, locale=lang)


def _fmt_datetime(value: datetime | str, lang: str, tz: str | None = None) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    zone = ZoneInfo(tz) if tz else None
    return format_datetime(value, format="long", tzinfo=zone, locale=lang)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["j2"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["date"] = _fmt_date
    env.filters["datetime"] = _fmt_datetime
    return env


def template_path(name: str, lang: str) -> str:
    return f"{lang}/{name}.j2"


def available(name: str, lang: str) -> bool:
    return (TEMPLATES_DIR / template_path(name, lang)).is_file()


def render(name: str, lang: str, context: dict[str, Any]) -> Rendered:
    if lang not in LANGUAGES or not available(name, lang):
        raise MissingTemplate(f"no template {name!r} in {lang!r}")
    env = environment()
    tmpl = env.get_template(template_path(name, lang))
    # Names, titles, venues are data: no bidi control in them may reorder the message.
    ctx = {**shown(context), "lang": lang, "dir": "rtl" if lang in RTL else "ltr"}

    def part(name: str) -> str:
        return tmpl.render({**ctx, "part": name}).strip()

    subject = " ".join(html.unescape(part("subject")).split())
    text = html.unescape(part("text")) + "\n"
    return Rendered(subject=subject, text=text, html=part("html") + "\n")
