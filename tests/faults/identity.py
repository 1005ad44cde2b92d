"""What an output event *is*, in terms that do not depend on the order messages arrived in.

Two runs of the same scenario must emit the same events, nothing lost and nothing doubled;
but they need not give them the same ids. Certificate numbers (hence certificate ids, and
the ids derived from them: `issued:<certificate id>`, the companion page link, its e-mail
and Message-ID) are handed out in the order completions arrive, and a service killed
mid-batch changes that order. So runs are compared by identity: the event's type, what it
is about (a certificate named by the enrolment it certifies, a notification by its template
and recipient) and, recursively, the identity of its cause, down to the intake events,
whose ids the scenario fixes.
"""

from __future__ import annotations

from typing import Any


class Identities:
    """Event id -> identity, for every event of every output stream of one run."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self._events = {e["id"]: e for e in events if "id" in e}
        self._certificates = {
            e["data"]["certificate_id"]: (
                f"certificate-of:{e['data']['enrolment_id']}:{e['data']['kind']}"
            )
            for e in self._events.values()
            if e.get("type") == "certificate.issued.v1"
        }
        self._sent = {
            e["data"]["notification_id"]: e["id"]
            for e in self._events.values()
            if e.get("type") == "notification.sent.v1"
        }
        self._done: dict[str, str] = {}

    def of(self, event_id: str) -> str:
        if event_id not in self._done:
            e = self._events[event_id]
            cause = e.get("causationid") or ""
            root = self.of(cause) if cause in self._events else cause or event_id
            self._done[event_id] = f"{e.get('type')}|{self._about(e)}|({root})".replace(" ", "_")
        return self._done[event_id]

    def subject(self, subject: str) -> str:
        """A NATS subject with certificate ids named as in `of`."""
        return ".".join(self._certificates.get(t, t) for t in subject.split("."))

    def message(self, message_id: str) -> str:
        """An e-mail's Message-ID (`<notification id@host>`) -> the identity of its
        `notification.sent`, or the Message-ID itself when no such event was published."""
        sent = self._sent.get(message_id.strip("<>").split("@", 1)[0])
        return self.of(sent) if sent else message_id

    def _about(self, e: dict[str, Any]) -> str:
        data = e.get("data") or {}
        if data.get("notification_id") and data["notification_id"] == e.get("subject"):
            return f"{data.get('template')}:{data.get('recipient')}:{data.get('channel')}"
        subject = str(e.get("subject"))
        return self._certificates.get(subject, subject)
