"""What the dashboard shows, from a protected report and its trend: pure functions, no I/O.

Every label is in words in the reader's language (texts.py, Babel for countries, months
and numbers); a hidden cell keeps its row, marked, so a reader sees that something is
there and why it is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pycountry
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from cohort_contracts.reports import ReportPublished

from .exports import section
from .texts import TEXTS
from .trend import Bucket

# (panel id, title key, figures path, label prefix; "country" for ISO 3166 alpha-3 codes)
PANELS = (
    ("participants-by-sex", "by_sex", "participants.by_sex", "sex_"),
    ("participants-by-country", "by_nationality", "participants.by_nationality", "country"),
    (
        "participants-by-organisation",
        "by_organisation_kind",
        "participants.by_organisation_kind",
        "org_",
    ),
    ("satisfaction", "satisfaction", "satisfaction.agree_percent", "rating_"),
    ("completion", "completion", "completion", "outcome_"),
    ("gain-distribution", "gain_distribution", "knowledge_gain.distribution", "gain_"),
    ("sessions-by-programme", "by_programme", "sessions.by_programme", ""),
    ("sessions-by-mode", "by_mode", "sessions.by_mode", "mode_"),
)
PERCENT_PANELS = {"satisfaction"}
SKIP = {"completion": {"decided", "rate_percent"}}


@dataclass(frozen=True)
class Card:
    id: str
    label: str
    value: str  # the figure, or the words for hidden / no data
    state: str  # shown, hidden, no_data
    note: str


@dataclass(frozen=True)
class Row:
    key: str  # the figure's own key (a test handle, never shown)
    label: str
    value: str
    state: str
    width: float  # bar length, 0-100 % of the panel's largest value


@dataclass(frozen=True)
class Panel:
    id: str
    title: str
    rows: list[Row]
    hidden: list[str]
    empty: list[str]


@dataclass(frozen=True)
class Point:
    label: str
    trained: str
    delivered: str
    state: str
    x: float
    height: float


@dataclass
class DashboardView:
    lang: str
    scope: str
    period: str
    cards: list[Card] = field(default_factory=list)
    agree: list[Card] = field(default_factory=list)
    agree_note: str = ""
    panels: list[Panel] = field(default_factory=list)
    trend: list[Point] = field(default_factory=list)
    trend_unit: str = ""
    any_hidden: bool = False
    definition: str = ""


def number(value: float, lang: str) -> str:
    return str(format_decimal(value, "#,##0.#", locale=lang))


def country_name(code: str, lang: str) -> str:
    found = pycountry.countries.get(alpha_3=code.upper())
    if found is None:
        return code
    return str(Locale.parse(lang).territories.get(found.alpha_2) or found.name)


def label(key: str, prefix: str, lang: str) -> str:
    if prefix == "country":
        return country_name(key, lang)
    if not prefix:
        return key  # a programme's own name
    return TEXTS[lang].get(prefix + key) or key.replace("_", " ")


def _card(
    cid: str,
    value: Any,
    path: str,
    hidden: frozenset[str],
    lang: str,
    note: str,
    shown: str | None = None,
) -> Card:
    t = TEXTS[lang]
    if value is None:
        state = "hidden" if path in hidden else "no_data"
        why = t["hidden_why"] if state == "hidden" else t["no_data_why"]
        return Card(cid, t[cid.replace("-", "_")], t[state], state, why)
    return Card(cid, t[cid.replace("-", "_")], shown or number(value, lang), "shown", note)


def _panel(
    pid: str,
    title: str,
    data: dict[str, Any],
    path: str,
    prefix: str,
    hidden: frozenset[str],
    lang: str,
) -> Panel:
    t = TEXTS[lang]
    data = {k: v for k, v in data.items() if k not in SKIP.get(pid, set())}
    top = max((v for v in data.values() if isinstance(v, int | float)), default=0) or 1
    if pid in PERCENT_PANELS:
        top = 100
    rows: list[Row] = []
    for key, value in data.items():
        words = label(key, prefix, lang)
        if value is None:
            state = "hidden" if f"{path}.{key}" in hidden else "no_data"
            rows.append(Row(key, words, t[state], state, 0.0))
        else:
            shown = f"{number(value, lang)} %" if pid in PERCENT_PANELS else number(value, lang)
            if lang == "ar" and pid in PERCENT_PANELS:
                shown = f"{number(value, lang)}٪"
            rows.append(Row(key, words, shown, "shown", round(100 * value / top, 1)))
    return Panel(
        pid,
        t[title],
        rows,
        [r.label for r in rows if r.state == "hidden"],
        [r.label for r in rows if r.state == "no_data"],
    )


def period_label(bucket: Bucket, lang: str) -> str:
    if bucket.unit == "month":
        return str(format_date(bucket.start, "MMM y", locale=lang))
    if bucket.unit == "quarter":
        return TEXTS[lang]["quarter"].format(
            q=(bucket.start.month - 1) // 3 + 1, year=bucket.start.year
        )
    return str(bucket.start.year)


def trend_points(buckets: list[Bucket], lang: str) -> list[Point]:
    t = TEXTS[lang]
    top = max((b.trained or 0 for b in buckets), default=0) or 1
    points = []
    for n, b in enumerate(buckets):
        if b.trained is None:
            state = "hidden" if b.hidden else "no_data"
            trained, height = t[state], 0.0
        else:
            state, trained, height = "shown", number(b.trained, lang), b.trained / top
        points.append(
            Point(period_label(b, lang), trained, number(b.delivered, lang), state, n, height)
        )
    return points


def dashboard_view(
    report: ReportPublished,
    buckets: list[Bucket],
    lang: str,
    start: date | None,
    end: date | None,
) -> DashboardView:
    t = TEXTS[lang]
    f = report.figures
    hidden = frozenset(report.suppressed_cells)
    scope = next(f"{k}:{v}" for k, v in report.scope.model_dump().items() if v is not None)
    if start is None and end is None:
        period = t["all_time"]
    else:
        period = t["period"].format(
            start=format_date(report.period.start, "long", locale=lang),
            end=format_date(report.period.end, "long", locale=lang),
        )
    sessions = section(f, "sessions")
    completion = section(f, "completion")
    gain = section(f, "knowledge_gain")
    trainers = section(f, "trainers")
    satisfaction = section(f, "satisfaction")
    rate = completion.get("rate_percent")
    cascade_people = trainers.get("cascade_participants_trained")
    mean_gain = gain.get("mean_gain")

    def counted(data: dict[str, Any], key: str) -> str:  # in a note: 0 when absent
        return number(data.get(key) or 0, lang)

    def or_hidden(value: Any) -> str:  # in a note: a figure, or that it is hidden
        return number(value, lang) if value is not None else t["hidden"].lower()

    def card(cid: str, path: str, note: str, shown: str | None = None) -> Card:
        """The card of the figure at `path` (`section.key`)."""
        head, _, key = path.partition(".")
        return _card(cid, section(f, head).get(key), path, hidden, lang, note, shown)

    cards = [
        card("participants-trained", "participants.trained", t["participants_trained_note"]),
        card(
            "sessions-delivered",
            "sessions.delivered",
            t["sessions_delivered_note"].format(
                scheduled=counted(sessions, "scheduled"), cancelled=counted(sessions, "cancelled")
            ),
        ),
        card(
            "completion-rate",
            "completion.rate_percent",
            t["completion_rate_note"].format(decided=or_hidden(completion.get("decided"))),
            shown=(f"{number(rate, lang)}٪" if lang == "ar" else f"{number(rate, lang)} %")
            if rate is not None
            else None,
        ),
        card(
            "knowledge-gain",
            "knowledge_gain.mean_gain",
            t["knowledge_gain_note"].format(
                pre=counted(gain, "mean_pre"), post=counted(gain, "mean_post")
            ),
            shown=t["knowledge_gain_value"].format(gain=number(mean_gain, lang))
            if mean_gain is not None
            else None,
        ),
        card("trainers-certified", "trainers.certified", t["trainers_certified_note"]),
        card(
            "cascade-sessions",
            "trainers.cascade_sessions",
            t["cascade_sessions_note"].format(people=or_hidden(cascade_people)),
        ),
    ]
    panels = [
        _panel(pid, title, section(f, path), path, prefix, hidden, lang)
        for pid, title, path, prefix in PANELS
    ]
    agree_panel = next(p for p in panels if p.id == "satisfaction")
    agree = [Card(f"agree-{r.key}", r.label, r.value, r.state, "") for r in agree_panel.rows]
    respondents = satisfaction.get("respondents")
    view = DashboardView(
        lang=lang,
        scope=scope,
        period=period,
        cards=cards,
        agree=agree,
        agree_note=t["agree_note"].format(
            respondents=number(respondents, lang)
            if respondents is not None
            else t["hidden"].lower()
        ),
        panels=[p for p in panels if p.id != "satisfaction"],
        trend=trend_points(buckets, lang),
        trend_unit=t[f"trend_by_{buckets[0].unit}"] if buckets else "",
        definition=t["definition"].format(
            version=f.get("definition_version"),
            events=number(
                sum((f.get("provenance") or {}).get("events_applied", {}).values()), lang
            ),
        ),
    )
    view.any_hidden = bool(hidden) or any(p.state == "hidden" for p in view.trend)
    return view
