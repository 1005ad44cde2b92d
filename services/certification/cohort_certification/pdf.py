"""The printable certificate: A4 landscape, shaped Latin and Arabic text, QR code.

fpdf2 lays the page out; HarfBuzz (uharfbuzz) shapes the text, so Arabic letters join
and run right to left; Noto Sans with Noto Sans Arabic as fallback covers both scripts;
segno draws the QR code as vector rectangles.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
import segno
from fpdf import FPDF

from .domain import localised

LABELS = {
    "en": (
        "Certificate",
        "This is to certify that",
        "has completed",
        "attended",
        "Number",
        "Verification code",
        "Verify at",
        "Qualification",
        "with",
    ),
    "fr": (
        "Certificat",
        "Nous certifions que",
        "a suivi avec succès",
        "a participé à",
        "Numéro",
        "Code de vérification",
        "Vérifier sur",
        "Qualification",
        "avec",
    ),
    "ar": (
        "شهادة",
        "نشهد بأن",
        "أتمّ بنجاح",
        "حضر",
        "الرقم",
        "رمز التحقق",
        "للتحقق",
        "المؤهل",
        "بالشراكة مع",
    ),
}


@cache
def _fonts() -> tuple[Path, Path]:
    latin = next((fontpkg_noto_sans.ROOT / "files").glob("NotoSans[[]*.ttf"))
    arabic = next((fontpkg_noto_sans_arabic.ROOT / "files").glob("NotoSansArabic*.ttf"))
    return latin, arabic


def render(certificate: dict[str, Any], verify_url: str) -> bytes:
    facts = certificate["facts"]
    course, session, person = facts["course"], facts["session"], facts["participant"]
    languages = list(session.get("languages") or ["en"])
    lang = next((lang for lang in languages if lang in LABELS), "en")
    label = LABELS[lang]
    _, title = localised(course["title"], [lang, *languages])

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{label[0]} {certificate['number']}")
    latin, arabic = _fonts()
    pdf.add_font("Noto", "", str(latin))
    pdf.add_font("NotoArabic", "", str(arabic))
    pdf.set_fallback_fonts(["NotoArabic"])
    pdf.set_text_shaping(True)
    pdf.add_page()
    w = pdf.w
    pdf.set_draw_color(30, 70, 120)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, w - 16, pdf.h - 16)

    def line(text: str, size: float, style: str = "", gap: float = 4) -> None:
        pdf.set_font("Noto", "", size)
        pdf.multi_cell(w - 40, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_xy(20, 24)
    line(label[0].upper() if lang != "ar" else label[0], 30, "B", 6)
    line(label[1], 13)
    line(f"{person['given_name']} {person['family_name']}", 24, "B", 4)
    line(label[3] if certificate["kind"] == "attendance" else label[2], 13)
    line(title, 17, "B", 3)
    place = ", ".join(
        x for x in (session.get("venue"), session.get("city"), session.get("country")) if x
    )
    line(f"{session['start_date']} – {session['end_date']} · {place}", 11)
    line(session.get("office") or certificate["agency"].upper(), 11, "B", 1)
    partners = [p["name"] for p in session.get("partners") or []]
    if partners:
        line(f"{label[8]} " + ", ".join(partners), 10, "", 1)
    qualification = course.get("qualification")
    if qualification:
        credits = qualification.get("credits")
        text = f"{label[7]}: {qualification['framework']} {qualification['level']}"
        line(
            text
            + (f" · {credits:g} ECTS" if credits is not None else "")
            + f" · {course['hours']:g} h",
            10,
        )
    if course.get("certifying_body"):
        line(course["certifying_body"], 9)

    pdf.set_font("Noto", "", 10)
    pdf.set_xy(20, pdf.h - 40)
    pdf.cell(0, 6, f"{label[4]}: {certificate['number']}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"{label[5]}: {certificate['verification_code']}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"{label[6]}: {verify_url}")
    _qr(pdf, verify_url, x=w - 55, y=pdf.h - 55, size=40)
    return bytes(pdf.output())


def _qr(pdf: FPDF, data: str, *, x: float, y: float, size: float) -> None:
    qr = segno.make(data, error="m", micro=False)
    matrix = list(qr.matrix_iter(border=4))
    module = size / len(matrix)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row, bits in enumerate(matrix):
        for col, dark in enumerate(bits):
            if dark:
                pdf.rect(x + col * module, y + row * module, module, module, style="F")
