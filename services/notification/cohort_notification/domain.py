"""Pure rules of the notification service: no I/O, unit-tested on their own."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cohort_kit.languages import LANGUAGES as LANGUAGES  # re-exported: render.py, tests

FALLBACK = "en"
_IDS = uuid.UUID("2b0f4b8e-52a1-4c1f-8d7e-6c5f1e0a9d33")

# The template used for each kind of message; every one exists in every language.
TEMPLATES = (
    "enrolment_confirmed",
    "enrolment_promoted",
    "enrolment_waitlisted",
    "enrolment_rejected",
    "enrolment_cancelled",
    "session_rescheduled",
    "session_cancelled",
    "reminder",
    "certificate_issued",
    "evaluation_request",
    "organiser_digest",
    "page_link",
)
# Messages about no particular session.
SESSIONLESS = frozenset({"page_link"})
# A participant who refused contact still gets these: the certificate notice, and the page
# link they asked for themselves (sent only on their own request, to their own address).
ALWAYS_SENT = frozenset({"certificate_issued", "page_link"})


class DeliveryError(Exception):
    """A channel could not deliver; `permanent` says whether trying again can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def _base(tag: str | None) -> str | None:
    if not tag:
        return None
    return tag.replace("_", "-").split("-")[0].lower()


def choose_language(recipient: str | None, session_languages: list[str] | None) -> str:
    """Recipient's language -> the session's first language -> English."""
    for tag in (recipient, *(session_languages or [])[:1]):
        base = _base(tag)
        if base in LANGUAGES:
            return base
    return FALLBACK


def may_contact(template: str, consent_contact: bool) -> bool:
    return consent_contact or template in ALWAYS_SENT


def delivery_id(cause_id: str, recipient: str, channel: str) -> str:
    return str(uuid.uuid5(_IDS, f"{cause_id}|{recipient}|{channel}"))


def message_id(delivery: str, domain: str) -> str:
    """The same delivery always carries the same Message-ID: a resend is recognisable."""
    return f"<{delivery}@{domain}>"


def session_start(start_date: date, timezone: str, start_time: str) -> datetime:
    hour, minute = (int(x) for x in start_time.split(":"))
    return datetime.combine(start_date, time(hour, minute), ZoneInfo(timezone))


@dataclass(frozen=True)
class Reminder:
    label: str
    due_at: datetime


def reminders_for(start: datetime, offsets: dict[str, float], now: datetime) -> list[Reminder]:
    """Reminders still in the future; one whose moment has passed is not scheduled."""
    out = []
    for label, seconds in sorted(offsets.items(), key=lambda kv: -kv[1]):
        due = start - timedelta(seconds=seconds)
        if due > now:
            out.append(Reminder(label, due))
    return out


def schedule_subject(session_id: str, participant_id: str, label: str) -> str:
    """One schedule subject per reminder; ids may hold characters subjects cannot."""
    key = hashlib.sha256(f"{session_id}|{participant_id}".encode()).hexdigest()[:24]
    return f"notification.schedule.reminder.{key}.{label}"


def backoff(attempts: int, first: float, cap: float) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, capped."""
    return float(min(first * 2 ** max(attempts - 1, 0), cap))


def smtp_code_is_permanent(code: int) -> bool:
    return 500 <= code < 600


def http_status_is_permanent(status: int) -> bool:
    """4xx (except 408 and 429) will not change by retrying; 5xx, 408, 429 may."""
    return 400 <= status < 500 and status not in (408, 429)
