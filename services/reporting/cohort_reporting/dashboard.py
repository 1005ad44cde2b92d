"""The dashboard page: KPI cards, a trend chart (inline SVG), breakdowns with hidden cells
marked, downloads of the same view, in en/fr/ar (right to left for Arabic).

Rendered from `dashview.dashboard_view` by a Jinja template; no script, one stylesheet.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from cohort_kit.languages import NAMES
from cohort_kit.pages import language_context, stylesheet, templates

from .dashview import DashboardView
from .texts import LANGUAGES, TEXTS

HERE = Path(__file__).parent
CSS = stylesheet(HERE / "static" / "dashboard.css")
CSS_PATH = "dashboard.css"  # relative, like the form: the page works under any prefix
TEMPLATES = templates(HERE / "templates")
# The trend chart's drawing box (SVG user units; the SVG scales to the page's width).
CHART = {"width": 640, "height": 220, "top": 24, "bottom": 40, "side": 16}


def query(scope: str, start: date | None, end: date | None, **more: str) -> str:
    params = {"scope": scope, **({"from": str(start)} if start else {})}
    params |= {"to": str(end)} if end else {}
    return urlencode(params | more)


def render(
    view: DashboardView,
    scope_text: str,
    start: date | None,
    end: date | None,
    *,
    choices: list[str] | None = None,
    signed_in: bool = False,
) -> str:
    """`choices`: the scopes the scope box offers (None: a free text box, for operators)."""
    lang = view.lang
    switch = [
        (code, NAMES[code], "dashboard?" + query(scope_text, start, end, lang=code))
        for code in LANGUAGES
    ]
    downloads = [
        (fmt, "dashboard-download?" + query(scope_text, start, end, format=fmt))
        for fmt in ("csv", "xlsx", "pdf")
    ]
    n = max(len(view.trend), 1)
    # Few periods: a narrower drawing, so its text stays legible when a phone scales it.
    width = min(CHART["width"], max(320, 90 * n))
    slot = (width - 2 * CHART["side"]) / n
    return TEMPLATES.get_template("dashboard.html.j2").render(
        **language_context(lang, TEXTS),
        css=CSS_PATH,
        view=view,
        scope_text=scope_text,
        choices=choices,
        signed_in=signed_in,
        start=str(start or ""),
        end=str(end or ""),
        switch=switch,
        downloads=downloads,
        chart=CHART
        | {
            "width": width,
            "slot": slot,
            "bar": min(slot * 0.6, 64),
            "plot": CHART["height"] - CHART["top"] - CHART["bottom"],
        },
    )
