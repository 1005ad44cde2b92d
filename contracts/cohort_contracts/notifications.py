"""Notifications: what the notification service delivered, or failed to."""

from __future__ import annotations

from pydantic import Field

from .base import Payload
from .values import Channel, Id, Language, LongText, Text


class NotificationSent(Payload):
    """`notification.sent.v1`: one message delivered to one recipient on one channel.

    Attributes:
        recipient: the participant id (or organiser address) it went to.
        cause: id of the event that caused it; with recipient and channel, delivered once.
    """

    notification_id: Id = Field(description="Notification id.", examples=["cohort:n-000123"])
    recipient: Text = Field(description="Recipient.", examples=["iom:p-com-0001"])
    channel: Channel = Field(description="Channel.", examples=["email"])
    template: Text = Field(description="Template used.", examples=["enrolment_confirmed"])
    language: Language = Field(description="Language it was sent in.", examples=["fr"])
    cause: Id = Field(
        description="Id of the causing event.", examples=["0b7c6a8e-3f55-4c39-9d0e-1f2a3b4c5d6e"]
    )


class NotificationFailed(NotificationSent):
    """`notification.failed.v1`: delivery gave up after `attempts` tries."""

    error: LongText = Field(description="Last error.", examples=["550 mailbox unavailable"])
    attempts: int = Field(ge=1, description="Attempts made.", examples=[5])
