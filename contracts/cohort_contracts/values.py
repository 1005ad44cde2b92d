r"""Value types shared by every payload: each one enforces a rule of ARCHITECTURE.md.

They are `Annotated` pydantic v2 types, so a model field typed `Country` both validates
in Python and documents the rule in the exported JSON Schema. The schema states the whole
rule: a value valid against it is valid here (country codes and time zones are enums, the
e-mail, phone and language rules patterns), so an event that passes the published schema is
never a schema violation. Rules that change with a library's data (whether a phone number
is allocated, a language subtag registered) are not contract rules: a replay after an
upgrade must decide as the first run did.

Patterns avoid `\s`, `\S` and look-around: ECMA-262, Python and Rust read those differently.
"""

from __future__ import annotations

import importlib.resources
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal

import phonenumbers
import pycountry
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic.networks import validate_email

E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"

# ISO 3166-1 alpha-3, as the pinned pycountry release lists them; sorted, so the exported
# enum is the same on every machine.
COUNTRY_CODES: tuple[str, ...] = tuple(sorted(c.alpha_3 for c in pycountry.countries))
_COUNTRIES = frozenset(COUNTRY_CODES)

# IANA time zone names as the pinned tzdata release lists them (not the machine's own files).
TIME_ZONES: tuple[str, ...] = tuple(
    sorted(importlib.resources.files("tzdata").joinpath("zones").read_text().split())
)
_ZONES = frozenset(TIME_ZONES)

# Neither white space nor a control character (C0, DEL, C1, no-break and Unicode spaces).
_VISIBLE = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"

# RFC 3339 date-time (section 5.6): what the edge accepts as a time.
RFC3339_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_RFC3339 = re.compile(RFC3339_PATTERN)

# The e-mail rule, stated once for Python and the JSON Schema (no look-around, no escape
# that ECMA-262's unicode mode refuses, so every validator reads it alike): a dot-atom
# local part (RFC 5322 atext, or any non-ASCII character), `@`, then two dot-separated
# labels or more of letters, digits and inner hyphens (or non-ASCII), the last starting
# with a letter; 254 characters in all. Not "deliverable": reserved names such as `.test`
# or `.example` are addresses too.
_ATOM = r'[^\x00-\x20\x7f"(),.:;<>@\[\\\]]+'
_ALNUM = r"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"
_ALNUM_HYPHEN = r"[^\x00-\x2c\x2e\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"
_ALPHA = r"[^\x00-\x40\x5b-\x60\x7b-\x7f]"
_TAIL = rf"(?:{_ALNUM_HYPHEN}*{_ALNUM})?"
EMAIL_PATTERN = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_ALNUM}{_TAIL}\.)+{_ALPHA}{_TAIL}$"
EMAIL_MAX_LENGTH = 254


def _country(value: str) -> str:
    if value not in _COUNTRIES:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-3 country code")
    return value


def _edge(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and bool(info.context.get("strict"))


_EMAIL = re.compile(EMAIL_PATTERN)
_E164 = re.compile(E164_PATTERN)


def _email(value: Any, info: ValidationInfo) -> Any:
    """The schema's rule; readers also keep the forms email-validator took before (a name
    and `<address>`): an event accepted then is accepted on replay."""
    if not isinstance(value, str):
        return value  # the str type check names the problem
    if len(value) <= EMAIL_MAX_LENGTH and _EMAIL.match(value):
        local, _, domain = unicodedata.normalize("NFC", value).rpartition("@")
        return f"{local}@{domain.lower()}"  # kept as before: the domain in lowercase
    if _edge(info):
        raise ValueError(f"{value!r} is not an e-mail address (see the schema's pattern)")
    return validate_email(value)[1]


def _phone(value: Any, info: ValidationInfo) -> Any:
    """E.164, as the schema says; readers also keep the spaced forms they took before."""
    if not isinstance(value, str) or _E164.match(value) or _edge(info):
        return value  # the pattern below decides
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    if not phonenumbers.is_valid_number(number):
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _timezone(value: str) -> str:
    if value not in _ZONES:
        raise ValueError(f"{value!r} is not an IANA time zone name")
    return value


def _rfc3339_at_the_edge(value: Any, info: ValidationInfo) -> Any:
    """A strict read (the edge) takes only RFC 3339 text; readers keep pydantic's forms."""
    if not isinstance(value, str):
        return value
    if _RFC3339.match(value):
        try:
            # Parsed here: after a validator, a strict read would no longer take text.
            return datetime.fromisoformat(value.upper())
        except ValueError:
            pass
    if _edge(info):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    return value


def _one_of(codes: Iterable[str], description: str, examples: list[str]) -> Any:
    """The field of a code from a fixed list; its JSON Schema names the list (an enum)."""
    return Field(
        description=description, examples=examples, json_schema_extra={"enum": list(codes)}
    )


Country = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    AfterValidator(_country),
    _one_of(COUNTRY_CODES, "ISO 3166-1 alpha-3 country code, uppercase.", ["COM", "SEN"]),
]
Language = Annotated[
    str,
    StringConstraints(pattern=LANGUAGE_PATTERN, max_length=35),
    Field(description="BCP 47 language tag (its form).", examples=["fr", "en", "ar", "pt-BR"]),
]
Phone = Annotated[
    str,
    StringConstraints(pattern=E164_PATTERN),
    BeforeValidator(_phone),
    Field(description="Phone number in E.164 form.", examples=["+2693212345"]),
]
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339_at_the_edge),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": RFC3339_PATTERN}),
]
Email = Annotated[
    str,
    BeforeValidator(_email),
    WithJsonSchema({"type": "string", "pattern": EMAIL_PATTERN, "maxLength": EMAIL_MAX_LENGTH}),
    Field(
        description="E-mail address: a dot-atom local part (at most 64 characters), `@`, a "
        "domain of two labels or more; reserved names (`.test`, `.example`) are accepted.",
        examples=["ep@example.org"],
    ),
]
Score = Annotated[float, Field(ge=0, le=100, description="A mark from 0 to 100.", examples=[72.5])]
Rating = Annotated[
    int,
    Field(ge=1, le=5, description="1 = strongly disagree ... 5 = strongly agree.", examples=[5]),
]
Ratio = Annotated[float, Field(ge=0, le=1, description="A share from 0 to 1.", examples=[0.8])]
TimeZone = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$"),
    AfterValidator(_timezone),
    _one_of(TIME_ZONES, "IANA time zone name.", ["Indian/Comoro", "Africa/Dakar"]),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=rf"^{_VISIBLE}+$"),
    Field(description="Identifier namespaced by its agency.", examples=["iom:emm2"]),
]
Url = Annotated[
    str,
    StringConstraints(pattern=rf"^https?://{_VISIBLE}+$", max_length=2000),
    Field(description="An http(s) URL.", examples=["https://emm.example.org/materials/m1.pdf"]),
]
LocalisedText = Annotated[
    dict[Language, Text],
    WithJsonSchema(
        {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": LANGUAGE_PATTERN, "maxLength": 35},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 500},
        }
    ),
    Field(
        min_length=1,
        description="Text keyed by BCP 47 language tag; at least one entry.",
        examples=[{"en": "Essentials of Migration Management", "fr": "Les essentiels..."}],
    ),
]
NonNegativeInt = Annotated[int, Field(ge=0)]
Day = date

Sex = Literal["female", "male", "other", "undisclosed"]
OrganisationKind = Literal[
    "government",
    "civil_society",
    "international_organisation",
    "academia",
    "private_sector",
    "agency_staff",
]
Mode = Literal["in_person", "online", "blended"]
CertificateKind = Literal["completion", "attendance", "trainer"]
AssessmentKind = Literal["pre", "post"]
Outcome = Literal["completed", "attended", "not_completed"]
RejectionReason = Literal[
    "session_full",
    "enrolment_closed",
    "session_cancelled",
    "quota_exceeded",
    "already_enrolled",
    "unknown_session",
    "unknown_participant",
]
CancellationReason = Literal["withdrawn", "session_cancelled"]
Channel = Literal["email", "sms"]
