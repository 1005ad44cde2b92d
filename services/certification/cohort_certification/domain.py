"""Pure rules of certification: what to issue, numbers, codes. No I/O."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: nothing to misread


class UnknownFacts(Exception):
    """A completion refers to a course, session or participant not known yet."""


def kind_for(outcome: str, course_kind: str) -> str | None:
    """`completed` earns the course's kind; `attended` earns only an attendance certificate."""
    if outcome == "completed":
        return course_kind
    if outcome == "attended" and course_kind == "attendance":
        return "attendance"
    return None


def certificate_number(agency: str, year: int, seq: int) -> str:
    return f"{agency.upper()}-{year}-{seq:06d}"


def certificate_id(agency: str, year: int, seq: int) -> str:
    return f"{agency}:cert-{year}-{seq:06d}"


def credential_url_id(secret: str, certificate_id: str) -> str:
    """The id in a credential's URLs: 128 bits, URL-safe. The certificate id is sequential
    (and its credential names the holder), so it is never in a URL; derived with the
    secret, so it cannot be guessed and a replay gives the same URL."""
    digest = hmac.new(secret.encode(), f"url:{certificate_id}".encode(), "sha256").digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def verification_code(secret: str, certificate_id: str, attempt: int = 0) -> str:
    """8 characters from the unambiguous alphabet, shown as XXXX-XXXX; derived, so a
    replay gives the same code."""
    digest = hmac.new(secret.encode(), f"{certificate_id}#{attempt}".encode(), "sha256").digest()
    n = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(8):
        n, r = divmod(n, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[r])
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


def normalise_code(code: str) -> str:
    """Accept what people type: lower case, no dash, O for 0 and I/L for 1 are not in the
    alphabet, so they are simply wrong; spaces and dashes are ignored."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return raw[:4] + "-" + raw[4:] if len(raw) == 8 else raw


def recipient_salt(secret: str, certificate_id: str) -> str:
    return hmac.new(secret.encode(), f"salt:{certificate_id}".encode(), "sha256").hexdigest()[:16]


def identity_hash(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def xml_datetime(moment: datetime) -> str:
    """UTC, seconds precision, `Z`: the form every verifier parses."""
    return moment.astimezone(tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def localised(text: dict[str, str], languages: list[str]) -> tuple[str, str]:
    """The text in the first available language of `languages`, then English, then any."""
    for lang in [*languages, "en"]:
        if lang in text:
            return lang, text[lang]
    lang = next(iter(text))
    return lang, text[lang]
