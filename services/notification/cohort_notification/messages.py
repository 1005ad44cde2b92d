"""What a message says: its template context, its rendering and its attachments."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from icalendar import Calendar
from icalendar import Event as IcsEvent

from .domain import session_start
from .render import Rendered, render


def localised(text: dict[str, str] | None, lang: str, fallback: str) -> str:
    if not text:
        return fallback
    return text.get(lang) or text.get("en") or next(iter(text.values()))


def session_context(session: Any, course: Any, lang: str) -> dict[str, Any]:
    title = localised(course["title"] if course else None, lang, session["session_id"])
    return {
        "session_id": session["session_id"],
        "title": title,
        "city": session["city"],
        "venue": session["venue"],
        "start_date": session["start_date"],
        "end_date": session["end_date"],
        "timezone": session["timezone"],
        "office": session["office"],
        "mode": session["mode"],
        "organiser_email": session["organiser_email"],
    }


def ics_attachment(session: Any, s: dict[str, Any], start_time: str, uid: str) -> dict[str, str]:
    """An iCalendar event from the first day's start to the last day's end (all local)."""
    cal = Calendar()
    cal.add("prodid", "-//Cohort//notification//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    ev = IcsEvent()
    start = session_start(session["start_date"], session["timezone"], start_time)
    end = session_start(session["end_date"], session["timezone"], "17:00")
    ev.add("uid", f"{uid}@cohort")
    ev.add("dtstamp", datetime(2000, 1, 1))  # deterministic: the same cause gives the same file
    ev.add("dtstart", start)
    ev.add("dtend", max(end, start + timedelta(hours=1)))
    ev.add("summary", s["title"])
    ev.add("location", ", ".join(x for x in (s["venue"], s["city"]) if x))
    ev.add("organizer", f"mailto:{s['organiser_email']}")
    cal.add_component(ev)
    return {
        "filename": "session.ics",
        "content_type": "text/calendar; method=PUBLISH",
        "data_base64": base64.b64encode(cal.to_ical()).decode(),
    }


def compose(template: str, lang: str, context: dict[str, Any]) -> Rendered:
    return render(template, lang, context)
