"""The dashboard: one HTML page with server-side SVG bar charts, filterable by scope."""

from __future__ import annotations

from html import escape
from typing import Any

from cohort_contracts.reports import ReportPublished

from .exports import section

PANELS = (
    ("participants-by-sex", "Participants trained by sex", "participants.by_sex"),
    (
        "participants-by-country",
        "Participants trained by nationality",
        "participants.by_nationality",
    ),
    ("sessions-by-programme", "Sessions delivered by programme", "sessions.by_programme"),
    ("satisfaction", "% agree or strongly agree", "satisfaction.agree_percent"),
    ("completion", "Completion (enrolments)", "completion"),
)


def bar_chart(
    panel_id: str, data: dict[str, Any], path: str = "", suppressed: frozenset[str] = frozenset()
) -> str:
    """Bars for the shown cells; hidden cells named under the chart: `suppressed` when privacy
    hid them (listed in the report), `no data` when there is nothing to compute (e.g. a
    percentage of no respondents)."""
    data = {k: v for k, v in data.items() if k != "rate_percent"}  # shown as a headline
    items = [(k, v) for k, v in data.items() if isinstance(v, int | float)]
    hidden = [k for k, v in data.items() if v is None and f"{path}.{k}" in suppressed]
    empty = [k for k, v in data.items() if v is None and f"{path}.{k}" not in suppressed]
    width, bar_h, label_w = 520, 22, 190
    top = max((v for _, v in items), default=1) or 1
    rows = []
    for i, (label, value) in enumerate(items):
        y = i * (bar_h + 6)
        w = (width - label_w - 60) * value / top
        rows.append(
            f'<text x="0" y="{y + 15}" font-size="12">{escape(str(label))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="#2e6eb4">'
            f"<title>{escape(str(label))}: {value}</title></rect>"
            f'<text class="value" data-label="{escape(str(label))}" x="{label_w + w + 4:.1f}" '
            f'y="{y + 15}" font-size="12">{value}</text>'
        )
    height = max(len(items), 1) * (bar_h + 6)
    note = f'<p class="suppressed">suppressed: {escape(", ".join(hidden))}</p>' if hidden else ""
    if empty:
        note += f'<p class="no-data">no data: {escape(", ".join(empty))}</p>'
    return (
        f'<svg id="{panel_id}" role="img" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>{note}'
    )


def render(report: ReportPublished, scope_text: str, start: str, end: str) -> str:
    f = report.figures
    delivered = section(f, "sessions").get("delivered")
    rate = section(f, "completion").get("rate_percent")
    percent = "%" if rate is not None else ""
    if rate is None:
        hidden_rate = "completion.rate_percent" in report.suppressed_cells
        rate = "suppressed" if hidden_rate else "no data"
    trained = section(f, "participants").get("trained")
    headline = "suppressed" if trained is None else str(trained)
    hidden = frozenset(report.suppressed_cells)
    panels = "".join(
        f"<section><h2>{escape(title)}</h2>"
        f"{bar_chart(pid, section(f, path), path, hidden)}</section>"
        for pid, title, path in PANELS
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cohort dashboard - {escape(scope_text)}</title>
<style>body{{font-family:sans-serif;margin:2em}}section{{margin-bottom:1.5em}}
.suppressed,.no-data{{color:#777;font-size:12px}}.kpi{{font-size:2em;font-weight:bold}}</style></head>
<body><h1>Cohort dashboard</h1>
<form method="get" action="dashboard">
<label>Scope <input name="scope" value="{escape(scope_text)}"></label>
<label>From <input name="from" type="date" value="{escape(start)}"></label>
<label>To <input name="to" type="date" value="{escape(end)}"></label>
<button type="submit">Show</button></form>
<p>Participants trained: <span id="participants-trained" class="kpi">{headline}</span></p>
<p>Sessions delivered: <span id="sessions-delivered">{delivered}</span>;
completion rate: <span id="completion-rate">{rate}</span>{percent}</p>
{panels}
<p class="suppressed">Cells from fewer than 5 people are not shown. Definition version
{escape(str(f.get("definition_version")))}.</p>
</body></html>"""
