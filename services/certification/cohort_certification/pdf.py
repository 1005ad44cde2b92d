"""The printable certificate: A4 landscape, shaped Latin and Arabic text, QR code.

fpdf2 lays the page out; HarfBuzz (uharfbuzz) shapes the text, so Arabic letters join
and run right to left; Noto Sans with Noto Sans Arabic as fallback covers both scripts;
segno draws the QR code as vector rectangles. Words, dates and country names are in the
certificate's language (texts.py, Babel); an Arabic certificate is laid out right to left.
Each agency's logo and signatory come from `branding`; without them the page carries a
seal with the agency's initials and the issuer's name, so it still looks finished.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import fontpkg_noto_sans
import fontpkg_noto_sans_arabic
import segno
from fpdf import FPDF

from .domain import localised
from .localise import clean_name, country, day, days, number
from .settings import Branding
from .texts import RTL, TEXTS, certificate_language

NAVY = (15, 47, 87)
GOLD = (176, 141, 62)
GREY = (64, 64, 64)
DID = {"attendance": "pdf_attended", "trainer": "pdf_trainer"}


@cache
def _fonts() -> tuple[Path, Path]:
    latin = next((fontpkg_noto_sans.ROOT / "files").glob("NotoSans[[]*.ttf"))
    arabic = next((fontpkg_noto_sans_arabic.ROOT / "files").glob("NotoSansArabic*.ttf"))
    return latin, arabic


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def lines(
    certificate: dict[str, Any], issuer: str, lang: str | None = None
) -> dict[str, str | None]:
    """Every text the certificate prints, in its language: pure, so tests can read them."""
    facts = certificate["facts"]
    course, session, person = facts["course"], facts["session"], facts["participant"]
    lang = lang or certificate_language(facts)
    t = TEXTS[lang]
    _, title = localised(course["title"], [lang, "en", *(session.get("languages") or [])])
    kind = certificate["kind"]
    place = t["comma"].join(
        x
        for x in (
            session.get("venue"),
            session.get("city"),
            country(session.get("country"), lang),
        )
        if x
    )
    when = days(_day(session["start_date"]), _day(session["end_date"]), lang)
    scope = [t["hours_value"].format(hours=number(course["hours"], lang))]
    qualification = course.get("qualification")
    if qualification:
        scope.append(f"{t['qualification']} : " if lang == "fr" else f"{t['qualification']}: ")
        scope[-1] += t["qualification_line"].format(
            framework=qualification["framework"], level=qualification["level"]
        )
        if qualification.get("credits") is not None:
            scope.append(t["credits_value"].format(credits=number(qualification["credits"], lang)))
    partners = [p["name"] for p in session.get("partners") or []]
    return {
        "lang": lang,
        "heading": t[f"kind_{kind}"],
        "certify": t["pdf_certify"],
        "name": clean_name(f"{person['given_name']} {person['family_name']}"),
        "did": t[DID.get(kind, "pdf_completed")],
        "course": clean_name(title),
        "when_where": f"{when} · {place}" if place else when,
        "scope": " · ".join(scope),
        "partners": t["pdf_partners"].format(partners=", ".join(partners)) if partners else None,
        "body": course.get("certifying_body"),
        "office": session.get("office"),
        "issued": f"{t['issued']} {day(certificate['issued_at'].date(), lang)}",
        "number": t["number"] + t["colon"] + certificate["number"],
        "code": t["code"] + t["colon"] + certificate["verification_code"],
        "verify": t["pdf_verify"],
        "for": t["pdf_for"].format(issuer=issuer),
    }


def render(
    certificate: dict[str, Any],
    verify_url: str,
    issuer: str | None = None,
    branding: Branding | None = None,
) -> bytes:
    issuer = issuer or certificate["agency"].upper()
    text = lines(certificate, issuer)
    lang = str(text["lang"])
    rtl = lang in RTL
    branding = branding or Branding()

    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{text['heading']} {certificate['number']}")
    pdf.set_lang(lang)
    latin, arabic = _fonts()
    pdf.add_font("Noto", "", str(latin))
    pdf.add_font("NotoArabic", "", str(arabic))
    pdf.set_fallback_fonts(["NotoArabic"])
    pdf.set_text_shaping(True, direction="rtl" if rtl else "ltr")
    pdf.add_page()
    w, h = pdf.w, pdf.h
    _frame(pdf)

    def line(value: str | None, size: float, colour: tuple[int, int, int], gap: float) -> None:
        if not value:
            return
        pdf.set_font("Noto", "", size)
        pdf.set_text_color(*colour)
        pdf.set_x(30)
        pdf.multi_cell(w - 60, size * 0.5, value, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    top = 16.0
    if branding.logo and Path(branding.logo).is_file():
        pdf.image(branding.logo, x=w / 2 - 25, y=top, h=18, w=50, keep_aspect_ratio=True)
    else:
        _seal(pdf, w / 2, top + 9, 9, certificate["agency"].upper())
    pdf.set_y(top + 22)
    line(text["heading"] if rtl else str(text["heading"]).upper(), 26, NAVY, 4)
    line(text["certify"], 12, GREY, 3)
    line(text["name"], 26, (20, 20, 20), 1)
    y = pdf.get_y()
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.line(w / 2 - 60, y, w / 2 + 60, y)
    pdf.ln(4)
    line(text["did"], 12, GREY, 2)
    line(text["course"], 17, NAVY, 3)
    line(text["when_where"], 11, GREY, 1.5)
    line(text["scope"], 10.5, GREY, 1.5)
    line(text["partners"], 10, GREY, 1)
    line(text["body"], 9, GREY, 0)

    # Bottom band: references on the reading start side, the QR code on the end side,
    # the signatory in the middle (mirrored for right-to-left).
    refs_w = 85.0
    refs_x, qr_x = (w - 20 - refs_w, 20.0) if rtl else (20.0, w - 20 - 36)
    align = "R" if rtl else "L"
    pdf.set_font("Noto", "", 8.5)
    pdf.set_y(h - 50)
    for value in (text["issued"], text["number"], text["code"], text["verify"]):
        pdf.set_text_color(*GREY)
        pdf.set_x(refs_x)
        pdf.cell(refs_w, 5, str(value), align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(refs_x)
    pdf.set_text_color(*NAVY)
    pdf.cell(refs_w, 5, verify_url, align=align, link=verify_url, new_x="LMARGIN", new_y="NEXT")
    _signatory(pdf, text, branding, lang, x=w / 2 - 40, y=h - 52)
    _qr(pdf, verify_url, x=qr_x, y=h - 56, size=36)
    return bytes(pdf.output())


def _frame(pdf: FPDF) -> None:
    pdf.set_fill_color(250, 248, 242)
    pdf.rect(0, 0, pdf.w, pdf.h, style="F")
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)


def _seal(pdf: FPDF, cx: float, cy: float, r: float, initials: str) -> None:
    """The default mark: the agency's initials in a double ring."""
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.8)
    pdf.circle(x=cx, y=cy, radius=r)
    pdf.set_line_width(0.3)
    pdf.circle(x=cx, y=cy, radius=r - 1.5)
    pdf.set_font("Noto", "", 7 if len(initials) > 4 else 9)
    pdf.set_text_color(*NAVY)
    pdf.set_xy(cx - r, cy - 2.5)
    pdf.cell(2 * r, 5, initials[:6], align="C")


def _signatory(
    pdf: FPDF, text: dict[str, str | None], branding: Branding, lang: str, *, x: float, y: float
) -> None:
    """A signature line, then the signatory's name and title (configured), else the office
    and `For <issuer>`."""
    width = 80.0
    pdf.set_draw_color(*NAVY)
    pdf.set_line_width(0.3)
    pdf.line(x + 5, y + 14, x + width - 5, y + 14)
    pdf.set_xy(x, y + 16)
    if branding.signatory:
        _, title = (
            localised(branding.signatory_title, [lang]) if branding.signatory_title else ("", "")
        )
        rows = [clean_name(branding.signatory), title, text["for"]]
    else:
        rows = [text["office"], text["for"]]
    for n, value in enumerate(r for r in rows if r):
        pdf.set_font("Noto", "", 10.5 if n == 0 else 9)
        pdf.set_text_color(*((20, 20, 20) if n == 0 else GREY))
        pdf.set_x(x)
        pdf.cell(width, 5, str(value), align="C", new_x="LMARGIN", new_y="NEXT")


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
