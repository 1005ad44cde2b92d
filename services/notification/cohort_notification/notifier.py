"""From a decision to delivery rows: who gets what, in which language, on which channels.

Everything here runs inside the unit's transaction and does no network I/O: the rows are
sent later by the delivery worker. Rows are unique on (cause event, recipient, channel).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog
from cohort_contracts import CloudEvent
from cohort_contracts.internal import ReminderDue
from cohort_kit import Unit
from cohort_kit.emitting import Schedule

from . import store
from .domain import (
    SESSIONLESS,
    choose_language,
    delivery_id,
    may_contact,
    reminders_for,
    schedule_subject,
    session_start,
)
from .messages import compose, ics_attachment, session_context
from .settings import NotificationSettings
from .subscriptions import Registry

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Notifier:
    def __init__(self, settings: NotificationSettings, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        self._registry: tuple[str | None, Registry] | None = None

    def registry(self) -> Registry:
        """The report subscriptions of the registry file in force (read once per path)."""
        path = self.settings.subscriptions_registry
        if self._registry is None or self._registry[0] != path:
            self._registry = (path, Registry.load(path))
        return self._registry[1]

    async def notify(
        self,
        con: asyncpg.Connection,
        cause: CloudEvent,
        template: str,
        participant: Any,
        session: Any,
        extra: dict[str, Any] | None = None,
        *,
        calendar: bool = False,
        attachments: list[dict[str, str]] | None = None,
        email_only: bool = False,
    ) -> int:
        """Queue `template` for one participant; return how many deliveries were added.

        `session` is None only for messages about no session (`page_link`); `email_only`
        keeps a message off SMS and the agency webhook (a personal link asked for by e-mail).
        """
        if participant is None or (session is None and template not in SESSIONLESS):
            return 0
        if not may_contact(template, participant["consent_contact"]):
            log.info("no contact consent; not sent", template=template)
            return 0
        if participant["erased_at"] is not None:  # forgotten (erasure.py): never sent, but
            # recorded as the erasure leaves it, whichever consumer ran first (replays agree)
            return await store.insert_erased_delivery(con, cause, template, participant, session)
        languages = session["languages"] if session is not None else None
        lang = choose_language(participant["preferred_language"], languages)
        name = f"{participant['given_name']} {participant['family_name']}"
        context: dict[str, Any] = {"name": name, "page_link": None}
        if session is not None:
            course = await store.course(con, session["course_id"])
            s = session_context(session, course, lang)
            context["s"] = s
            context["starts_at"] = session_start(
                session["start_date"], session["timezone"], self.settings.session_start_time
            )
        rendered = compose(template, lang, {**context, **(extra or {})})
        files = list(attachments or [])
        pid = participant["participant_id"]
        if calendar and session is not None:
            files.append(
                ics_attachment(
                    session, s, self.settings.session_start_time, f"{session['session_id']}/{pid}"
                )
            )
        agency = session["agency"] if session is not None else participant["agency"]
        base = {
            "cause_id": cause.id,
            "recipient": pid,
            "template": template,
            "language": lang,
            "agency": agency,
            "correlationid": cause.correlationid or cause.id,
            "session_id": session["session_id"] if session is not None else None,
            "participant_id": pid,
            "subject": rendered.subject,
        }
        rows = [
            {
                **base,
                "channel": "email",
                "address": participant["email"],
                "body_text": rendered.text,
                "body_html": rendered.html,
                "attachments": files,
            }
        ]
        if (
            not email_only
            and participant["phone"]
            and self.settings.sms_gateway_url
            and template in self.settings.sms_templates
        ):
            rows.append(
                {
                    **base,
                    "channel": "sms",
                    "address": participant["phone"],
                    "body_text": rendered.subject,
                }
            )
        hook = None if email_only else self.settings.webhook_urls.get(agency)
        if hook:
            rows.append({**base, "channel": "webhook", "address": hook, "body_text": rendered.text})
        added = 0
        for row in rows:
            row["delivery_id"] = delivery_id(cause.id, pid, row["channel"])
            added += await store.insert_delivery(con, row)
        return added

    async def page_link(
        self, con: asyncpg.Connection, cause: str | None, participant_id: str
    ) -> str | None:
        """The page link to put in a message about `participant_id`, if there is one.

        The link made for this very message (same cause, same participant) when `cause` is
        given and it is there; else the participant's link that stays valid longest, if one
        is still valid now (a link is a credential made now: wall clock, like its expiry).
        """
        row = await store.page_link(con, cause, participant_id, self.clock())
        return None if row is None else str(row["link"])

    async def schedule_reminders(
        self, unit: Unit[Any, Any], session: Any, participant_id: str
    ) -> None:
        """Place (or move) the reminders of one participant; void those now in the past."""
        con = unit.con
        offsets = self.settings.reminder_offsets
        start = session_start(
            session["start_date"], session["timezone"], self.settings.session_start_time
        )
        due = {r.label: r for r in reminders_for(start, offsets, self.clock())}
        sid = session["session_id"]
        subjects = {label: schedule_subject(sid, participant_id, label) for label in offsets}
        placed = await store.reminders(con, list(subjects.values()))  # one round trip
        for label in offsets:
            subject = subjects[label]
            current = placed.get(subject)
            if label not in due:
                if current is not None and current["state"] == "scheduled":
                    await store.void_reminders(con, session["session_id"], subjects=[subject])
                continue
            at = due[label].due_at.astimezone(UTC).replace(microsecond=0)
            if current is not None and current["state"] == "scheduled" and current["due_at"] == at:
                continue  # already placed for this moment
            when = Schedule(at=at, subject=subject)
            reminder = ReminderDue(
                session_id=session["session_id"],
                participant_id=participant_id,
                label=label,
                due_at=at,
                start_date=session["start_date"],
                schedule_subject=subject,
            )
            await unit.emit(
                reminder,
                subject_id=session["session_id"],
                agency=session["agency"],
                key=f"reminder|{subject}|{when.at_text}",
                schedule=when,
            )
            await store.set_reminder(
                con,
                subject,
                session["session_id"],
                participant_id,
                label,
                at,
                session["start_date"],
            )

    async def digest(
        self, con: asyncpg.Connection, cause: CloudEvent, session: Any, kind: str, who: str | None
    ) -> None:
        """Remember a change for the organiser's daily digest."""
        from zoneinfo import ZoneInfo

        day = cause.time.astimezone(ZoneInfo(session["timezone"])).date()
        await store.add_digest_item(
            con,
            {
                "item_id": f"{cause.id}|{kind}|{who or ''}",
                "organiser_email": session["organiser_email"],
                "session_id": session["session_id"],
                "agency": session["agency"],
                "day": day,
                "kind": kind,
                "detail": {"who": who},
            },
        )
