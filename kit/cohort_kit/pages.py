"""What every HTML page a service renders shares: its Jinja set-up, the base stylesheet put
before the page's own, how that stylesheet is served, and the page's language attributes.

Each service keeps its templates, texts and own stylesheet; only the way they are put
together lives here, so the pages of all services escape, fail on a missing value and
look alike the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .languages import direction

BASE_CSS = (Path(__file__).parent / "static" / "base.css").read_bytes()
# A rendered page: never cached, no Referer sent on, never framed, and nothing loaded or
# posted anywhere but to the service itself (its stylesheet, its forms); no script at all.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
}
CSS_HEADERS = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}


def templates(folder: Path) -> Environment:
    """A Jinja environment over `folder`: HTML-escaped, an undefined name is an error."""
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def stylesheet(own: Path) -> bytes:
    """The kit's base stylesheet, then the page's own (which may override it)."""
    return BASE_CSS + b"\n" + own.read_bytes()


def css_response(css: bytes) -> Response:
    """A stylesheet as served: cacheable for a day (it holds no data), never sniffed."""
    return Response(css, media_type="text/css", headers=CSS_HEADERS)


def language_context(lang: str, texts: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """The values every template uses for its language: `lang`, `dir` and the words `t`."""
    return {"lang": lang, "dir": direction(lang), "t": texts[lang]}
