"""A report as JSON, CSV, XLSX or PDF (with bar charts)."""

from __future__ import annotations

import csv
import io
from typing import Any

from cohort_contracts.reports import ReportPublished

CHARTS = (
    ("Participants trained by sex", "participants.by_sex"),
    ("Participants trained by organisation kind", "participants.by_organisation_kind"),
    ("Participants trained by nationality", "participants.by_nationality"),
    ("% agree or strongly agree", "satisfaction.agree_percent"),
    ("Sessions delivered by mode", "sessions.by_mode"),
)


def flatten(figures: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in figures.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(flatten(value, path + "."))
        elif isinstance(value, list):
            rows.append((path, ", ".join(str(v) for v in value)))
        else:
            rows.append((path, value))
    return rows


def section(figures: dict[str, Any], path: str) -> dict[str, Any]:
    node: Any = figures
    for key in path.split("."):
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _rows(report: ReportPublished) -> list[tuple[str, Any, str]]:
    hidden = set(report.suppressed_cells)
    return [
        (path, "" if value is None else value, "suppressed" if path in hidden else "")
        for path, value in flatten(report.figures)
    ]


def to_csv(report: ReportPublished) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["report_id", report.report_id])
    w.writerow(["scope", _scope(report)])
    w.writerow(["period", f"{report.period.start}/{report.period.end}"])
    w.writerow(["cell", "value", "note"])
    w.writerows(_rows(report))
    return out.getvalue()


def to_xlsx(report: ReportPublished) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "figures"
    ws.append(["report_id", report.report_id])
    ws.append(["scope", _scope(report)])
    ws.append(["period", f"{report.period.start}/{report.period.end}"])
    ws.append(["cell", "value", "note"])
    for row in _rows(report):
        ws.append(list(row))
    sup = wb.create_sheet("suppressed")
    sup.append(["cell suppressed (fewer than 5 people, or could reveal such a cell)"])
    for path in report.suppressed_cells:
        sup.append([path])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_pdf(report: ReportPublished) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin(f"Cohort report - {_scope(report)}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.cell(
        0,
        6,
        _latin(f"{report.kind}, {report.period.start} to {report.period.end}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for title, path in CHARTS:
        data = {
            k: v for k, v in section(report.figures, path).items() if isinstance(v, int | float)
        }
        if not data:
            continue
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 7, _latin(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        top = max(data.values()) or 1
        for label, value in data.items():
            y = pdf.get_y()
            pdf.cell(55, 5, _latin(str(label)))
            pdf.set_fill_color(46, 110, 180)
            pdf.rect(pdf.l_margin + 55, y + 1, 100 * value / top, 3.5, style="F")
            pdf.set_xy(pdf.l_margin + 160, y)
            pdf.cell(20, 5, str(value), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 7, "Figures", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 7)
    for path, value, note in _rows(report):
        pdf.cell(0, 4, _latin(f"{path}: {value} {note}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _scope(report: ReportPublished) -> str:
    s = report.scope
    kind = "country" if s.country else "donor" if s.donor else "programme"
    return f"{kind}:{s.country or s.donor or s.programme}"


def _latin(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")
