"""Value types shared by every payload: each one enforces a rule of ARCHITECTURE.md.

They are `Annotated` pydantic v2 types, so a model field typed `Country` both validates
in Python and documents the rule in the exported JSON Schema. The schema states the whole
rule: a value valid against it is valid here (country codes are an enum, the e-mail rule a
pattern), so an event that passes the published schema is never a schema violation.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

import langcodes
import phonenumbers
import pycountry
from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"

# ISO 3166-1 alpha-3, as the pinned pycountry release lists them; sorted, so the exported
# enum is the same on every machine.
COUNTRY_CODES: tuple[str, ...] = tuple(sorted(c.alpha_3 for c in pycountry.countries))
_COUNTRIES = frozenset(COUNTRY_CODES)

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


def _email(value: str) -> str:
    """The address as it is kept: Unicode NFC, the domain in lowercase (as before)."""
    local, _, domain = unicodedata.normalize("NFC", value).rpartition("@")
    return f"{local}@{domain.lower()}"


def _language(value: str) -> str:
    if not langcodes.tag_is_valid(value):
        raise ValueError(f"{value!r} is not a valid BCP 47 language tag")
    return value


def _phone(value: str) -> str:
    if not value.startswith("+"):
        raise ValueError("a phone number must be in E.164 form, starting with +")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"{value!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _timezone(value: str) -> str:
    if value not in _zones():
        raise ValueError(f"{value!r} is not an IANA time zone name")
    return value


Country = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{3}$"),
    AfterValidator(_country),
    Field(
        description="ISO 3166-1 alpha-3 country code, uppercase.",
        examples=["COM", "SEN"],
        json_schema_extra={"enum": list(COUNTRY_CODES)},
    ),
]
Language = Annotated[
    str,
    StringConstraints(pattern=LANGUAGE_PATTERN, max_length=35),
    AfterValidator(_language),
    Field(description="BCP 47 language tag.", examples=["fr", "en", "ar", "pt-BR"]),
]
Phone = Annotated[
    str,
    AfterValidator(_phone),
    WithJsonSchema({"type": "string", "pattern": E164_PATTERN}),
    Field(description="Phone number in E.164 form.", examples=["+2693212345"]),
]
Email = Annotated[
    str,
    StringConstraints(pattern=EMAIL_PATTERN, max_length=EMAIL_MAX_LENGTH),
    AfterValidator(_email),
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
    Field(description="IANA time zone name.", examples=["Indian/Comoro", "Africa/Dakar"]),
]
Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, pattern=r"^\S+$"),
    Field(description="Identifier namespaced by its agency.", examples=["iom:emm2"]),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Url = Annotated[
    str,
    StringConstraints(pattern=r"^https?://\S+$", max_length=2000),
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
