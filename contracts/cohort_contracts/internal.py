"""Messages a service sends itself: declared like every other type, never for agencies.

`reminder.due.v1` is the notification service's reminder: its outbox stores it on a
schedule subject of NOTIFICATION (`notification.schedule.reminder.<key>.<label>`, one per
participant, session and reminder) and NATS publishes it onto `notification.reminder.due`
at the moment it names. Only `notification-reminders` consumes it; it is in the exported
schemas and the AsyncAPI document so that anyone reading NOTIFICATION knows what it is.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from .base import Payload
from .registry import EventSpec
from .values import Id, Text


class ReminderDue(Payload):
    """`reminder.due.v1`: a participant's reminder of a session, at its scheduled moment.

    Attributes:
        due_at: the moment it was scheduled for; with `start_date`, it is sent only while
            the schedule row and the session still say the same (otherwise it is void).
        schedule_subject: the schedule's own subject, which names the reminder's row.
    """

    session_id: Id = Field(description="Session.", examples=["iom:com-2023-06-policy"])
    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0001"])
    label: Text = Field(description="Which reminder (its offset).", examples=["7d"])
    due_at: datetime = Field(
        description="Scheduled moment (UTC).", examples=["2023-06-04T06:00:00Z"]
    )
    start_date: date = Field(
        description="The session's first day when it was scheduled.", examples=["2023-06-05"]
    )
    schedule_subject: Text = Field(
        description="Subject the schedule is stored on.",
        examples=["notification.schedule.reminder.0123456789abcdef01234567.7d"],
    )


REMINDER_SCHEDULES = "notification.schedule.reminder.{key}.{label}"

INTERNAL_SPECS = [
    EventSpec(
        "reminder.due.v1",
        ReminderDue,
        "NOTIFICATION",
        subject="notification.reminder.due",
        description="Internal to notification: a reminder whose moment has come (stored "
        "until then on notification.schedule.reminder.<key>.<label>).",
    ),
]

# Where each internal type waits before it is delivered (AsyncAPI: its schedule channel).
SCHEDULE_ADDRESSES = {"reminder.due.v1": REMINDER_SCHEDULES}
