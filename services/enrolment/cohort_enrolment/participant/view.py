"""What the participant page shows, from the stored rows: pure functions, no I/O.

The templates only print what these return; every decision (which status, which title
language, whether materials are shown, the verification link) is made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_interval
from cohort_kit.text import shown

from ..texts import TEXTS, localised

Row = Mapping[str, Any]
LIVE_OR_DONE = {"confirmed", "waitlisted", "completed", "attended", "not_completed"}


@dataclass(frozen=True)
class Text:
    """A text and its language: `lang` is set only when it differs from the page's."""

    value: str
    lang: str | None = None


@dataclass(frozen=True)
class Material:
    title: Text
    url: str
    language: str  # BCP 47 tag of the file
    language_name: str


@dataclass(frozen=True)
class SessionView:
    session_id: str
    title: Text
    status: str  # confirmed, waitlisted, completed, attended, not_completed, cancelled, rejected
    status_text: str
    reason_text: str | None
    dates: str
    start: date
    end: date
    venue: str | None
    timezone: str | None
    mode: str | None
    languages: str | None
    materials: list[Material] | None  # None: not shown (rejected or cancelled)


@dataclass(frozen=True)
class CertificateView:
    certificate_id: str
    course: Text
    kind: str
    issued: str
    code: str
    pdf_url: str
    verify_url: str
    credential_url: str  # the signed Open Badges 3.0 credential, for wallets
    linkedin_url: str  # LinkedIn's "add a certification" form, filled in
    revoked: str | None  # the revocation's text, or None while valid


@dataclass
class PageView:
    lang: str
    name: str
    sessions: list[SessionView] = field(default_factory=list)
    certificates: list[CertificateView] = field(default_factory=list)
    expires: str = ""


def status_of(row: Row) -> str:
    if row["status"] == "confirmed" and row.get("outcome"):
        return str(row["outcome"])
    return str(row["status"])


def verify_url(credential_url: str, code: str) -> str:
    """The certification service's human verification page, beside the credential."""
    base, found, _ = credential_url.rpartition("/credentials/")
    return f"{base}/verify/{code}" if found else credential_url


def _text(localised_text: dict[str, str] | None, lang: str) -> Text:
    value, of = localised(localised_text, [lang])
    return Text(value, None if not of or of.split("-")[0] == lang else of)


def _language_name(locale: Locale, tag: str) -> str:
    names = locale.languages
    return str(names.get(tag) or names.get(tag.split("-")[0]) or tag)


def _dates(start: date, end: date, lang: str) -> str:
    if start == end:
        return str(format_date(start, "long", locale=lang))
    return str(format_interval(start, end, "yMMMd", locale=lang))


def _zone(name: str | None, day: date) -> str | None:
    if not name:
        return None
    try:
        offset = datetime.combine(day, datetime.min.time(), ZoneInfo(name)).strftime("%z")
    except (ZoneInfoNotFoundError, ValueError):
        return name
    return f"{name} (UTC{offset[:3]}:{offset[3:]})"


def session_view(row: Row, lang: str) -> SessionView:
    t = TEXTS[lang]
    locale = Locale.parse(lang)
    status = status_of(row)
    reason = row.get("reason") if status in {"cancelled", "rejected"} else None
    reason_key = f"reason_{reason}"
    materials = None
    if status in LIVE_OR_DONE:
        materials = [
            Material(
                title=_text(m.get("title"), lang),
                url=m["url"],
                language=m["language"],
                language_name=_language_name(locale, m["language"]),
            )
            for m in row.get("materials") or []
        ]
    where = ", ".join(p for p in (row.get("venue"), row.get("city")) if p)
    return SessionView(
        session_id=row["session_id"],
        title=_text(row.get("title"), lang),
        status=status,
        status_text=t[f"status_{status}"].format(position=row.get("position") or "?"),
        reason_text=t["because"].format(reason=t[reason_key]) if reason_key in t else None,
        dates=_dates(row["start_date"], row["end_date"], lang),
        start=row["start_date"],
        end=row["end_date"],
        venue=where or None,
        timezone=_zone(row.get("timezone"), row["start_date"]),
        mode=t.get(f"mode_{row.get('mode')}"),
        languages=", ".join(_language_name(locale, x) for x in row.get("languages") or []) or None,
        materials=materials,
    )


LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_url(name: str, organisation: str, issued: date, url: str, code: str) -> str:
    """LinkedIn's documented "Add to profile" link for a certification, its fields filled
    from the certificate (the participant still confirms on LinkedIn)."""
    return f"{LINKEDIN_ADD}?" + urlencode(
        {
            "startTask": "CERTIFICATION_NAME",
            "name": name,
            "organizationName": organisation,
            "issueYear": issued.year,
            "issueMonth": issued.month,
            "certUrl": url,
            "certId": code,
        }
    )


def certificate_view(row: Row, lang: str) -> CertificateView:
    t = TEXTS[lang]
    revoked_at = row.get("revoked_at")
    course = _text(row.get("title"), lang)
    verify = verify_url(row["credential_url"], row["verification_code"])
    return CertificateView(
        certificate_id=row["certificate_id"],
        course=course,
        kind=t.get(f"kind_{row['kind']}") or str(row["kind"]),
        issued=str(format_date(row["issued_at"].date(), "long", locale=lang)),
        code=row["verification_code"],
        pdf_url=row["pdf_url"],
        verify_url=verify,
        credential_url=row["credential_url"],
        linkedin_url=linkedin_url(
            course.value,
            str(row.get("agency") or "").upper(),
            row["issued_at"].date(),
            verify,
            row["verification_code"],
        ),
        revoked=(
            t["revoked"].format(date=format_date(revoked_at.date(), "long", locale=lang))
            if revoked_at
            else None
        ),
    )


def page_view(
    profile: Row, sessions: list[Row], certificates: list[Row], lang: str, expires_at: datetime
) -> PageView:
    # What agencies typed is shown as data: no bidi control in it may reorder the page.
    profile = shown(dict(profile))
    sessions = [shown(dict(r)) for r in sessions]
    certificates = [shown(dict(r)) for r in certificates]
    name = " ".join(p for p in (profile.get("given_name"), profile.get("family_name")) if p)
    return PageView(
        lang=lang,
        name=name,
        sessions=[session_view(r, lang) for r in sessions],
        certificates=[certificate_view(r, lang) for r in certificates],
        expires=str(format_date(expires_at.date(), "long", locale=lang)),
    )
