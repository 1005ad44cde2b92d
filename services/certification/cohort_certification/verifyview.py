"""What the verification page shows, from a stored certificate: pure functions, no I/O.

The templates only print what these return; which status, which words and which dates are
decided here, in the reader's language.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .credentials.keys import public_key_from_multibase
from .domain import localised
from .localise import country, day, days, number
from .texts import TEXTS

Row = Mapping[str, Any]
ERROR_WORDS = {  # the verifier's findings, in the words a reader understands
    "signature does not match": "error_signature",
    "unknown verification method": "error_key",
    "issuer is not the controller of the verification method": "error_key",
    "verification method is not an assertion method of its controller": "error_key",
    "no proof": "error_no_proof",
    "status list of another issuer": "error_status",
    "status list index is not a number": "error_status",
}


@dataclass(frozen=True)
class Field:
    key: str  # a CSS class and a test handle
    label: str
    value: str
    lang: str | None = None  # set when the value is in another language than the page
    isolate: bool = False  # a name: shown in <bdi> so its direction cannot leak
    ltr: bool = False  # codes and numbers: always left to right


@dataclass
class VerifyView:
    status: str  # valid, revoked, superseded, invalid, unknown
    title: str
    text: str
    reason: str | None = None
    superseded_url: str | None = None
    holder: str | None = None
    fields: list[Field] = field(default_factory=list)
    key_id: str | None = None
    fingerprint: str | None = None
    json_url: str | None = None
    pdf_url: str | None = None


def fingerprint(public_key_multibase: str) -> str:
    """SHA-256 of the raw Ed25519 public key, in groups of four hex digits (what an issuer
    can read out over the phone to confirm its key)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw = public_key_from_multibase(public_key_multibase).public_bytes(
        Encoding.Raw, PublicFormat.Raw
    )
    digest = hashlib.sha256(raw).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def _date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def status_of(row: Row, signature_ok: bool) -> str:
    if not signature_ok:
        return "invalid"
    if row["superseded_by"]:
        return "superseded"
    return "revoked" if row["revoked_at"] else "valid"


def certificate_view(
    row: Row,
    lang: str,
    *,
    signature_ok: bool,
    issuer_name: str,
    key: Row | None,
    superseded_url: str | None,
    json_url: str,
    pdf_url: str,
) -> VerifyView:
    t = TEXTS[lang]
    facts = row["facts"]
    course, session, person = facts["course"], facts["session"], facts["participant"]
    status = status_of(row, signature_ok)
    revoked_at: datetime | None = row["revoked_at"]
    when = day(revoked_at.date(), lang) if revoked_at else ""
    view = VerifyView(
        status=status,
        title=t[f"{status}_title"],
        text=t[f"{status}_text"].format(issuer=issuer_name, date=when),
        reason=(
            t["reason"].format(reason=row["revocation_reason"])
            if status == "revoked" and row["revocation_reason"]
            else None
        ),
        superseded_url=superseded_url if status == "superseded" else None,
        holder=f"{person['given_name']} {person['family_name']}",
    )
    title_lang, title = localised(course["title"], [lang, "en", *(session.get("languages") or [])])
    fields = [
        Field("course", t["course"], title, None if title_lang == lang else title_lang, True),
        Field("kind", t["kind"], t.get(f"kind_{row['kind']}") or str(row["kind"])),
    ]
    qualification = course.get("qualification")
    if qualification:
        line = t["qualification_line"].format(
            framework=qualification["framework"], level=qualification["level"]
        )
        fields.append(Field("qualification", t["qualification"], line))
        if qualification.get("credits") is not None:
            credits = t["credits_value"].format(credits=number(qualification["credits"], lang))
            fields.append(Field("credits", t["credits"], credits))
    if course.get("hours") is not None:
        hours = t["hours_value"].format(hours=number(course["hours"], lang))
        fields.append(Field("hours", t["hours"], hours))
    start, end = _date(session["start_date"]), _date(session["end_date"])
    fields.append(Field("training", t["training"], days(start, end, lang)))
    place = t["comma"].join(
        x for x in (session.get("city"), country(session.get("country"), lang)) if x
    )
    if place:
        fields.append(Field("place", t["place"], place))
    fields += [
        Field("issued", t["issued"], day(row["issued_at"].date(), lang)),
        Field("number", t["number"], row["number"], ltr=True),
        Field("code", t["code"], row["verification_code"], ltr=True),
        Field("issuer", t["issuer"], issuer_name, isolate=True),
    ]
    view.fields = fields
    if key is not None:
        view.key_id = key["key_id"]
        view.fingerprint = fingerprint(key["public_key_multibase"])
    if status != "invalid":
        view.json_url, view.pdf_url = json_url, pdf_url
    return view


def unknown_view(lang: str) -> VerifyView:
    t = TEXTS[lang]
    return VerifyView(status="unknown", title=t["unknown_title"], text=t["unknown_text"])


def file_errors(errors: list[str], lang: str) -> list[str]:
    """The verifier's findings in the reader's words, each said once."""
    t = TEXTS[lang]
    said: list[str] = []
    for error in errors:
        words = t[ERROR_WORDS.get(error, "error_format")]
        if words not in said:
            said.append(words)
    return said or [t["error_format"]]
