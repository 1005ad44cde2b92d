"""What the notification handlers, workers and routes need, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from .notifier import Clock, Notifier, utcnow
from .settings import NotificationSettings


@dataclass(frozen=True)
class Deps:
    notifier: Notifier  # composes deliveries: templates, channels, reminders, digests

    @property
    def settings(self) -> NotificationSettings:
        return self.notifier.settings

    @property
    def clock(self) -> Clock:
        return self.notifier.clock


def build(settings: NotificationSettings, clock: Clock = utcnow) -> Deps:
    return Deps(notifier=Notifier(settings, clock))
