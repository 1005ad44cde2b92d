"""Making page links and the `participant.link_requested.v1` events that carry them.

Three moments put a link in the outbox (subject `enrolment.link_requested`):

- with every `enrolment.confirmed` (just before it, in the same transaction, so a reader of
  ENROLMENT has the link when it reads the confirmation); it works until `lifetime` after
  the session's last day;
- when a certificate is issued (`enrolment-certificates`), for the certificate notice;
- when the participant asks for one by e-mail address (the page's form).

The first two are *companions* of another message: their `causationid` is the event that
caused them (the confirmation's cause, or the `certificate.issued` event). A re-requested
link has no `causationid`: it is the one to e-mail on its own.

Link expiry is the one time here taken from the wall clock: it is a property of a bearer
credential made now, not a decision about the training.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import asyncpg
import structlog
from cohort_contracts import REGISTRY
from cohort_contracts.enrolments import ParticipantLinkRequested
from cohort_kit import Unit
from cohort_kit.outbox import enqueue

from . import store
from .links import Signer, page_url
from .settings import EnrolmentSettings

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class LinkIssuer:
    """Settings are those of the runtime in force (`configure`); tests may swap the clock."""

    def __init__(self, settings: EnrolmentSettings | None = None, clock: Clock = utcnow) -> None:
        # None until a runtime configures it: the settings hold the link secret, which has
        # no default, so none can be read at import.
        self._settings = settings
        self.clock = clock

    def configure(self, settings: EnrolmentSettings) -> None:
        self._settings = settings

    @property
    def settings(self) -> EnrolmentSettings:
        if self._settings is None:
            raise RuntimeError("the link issuer is configured when the runtime is built")
        return self._settings

    @property
    def signer(self) -> Signer:
        return Signer(self.settings.link_secret)

    @property
    def enabled(self) -> bool:
        return bool(self.settings.public_base_url)

    def expiry(self, last_day: date | None = None) -> datetime:
        start = self.clock()
        if last_day is not None:
            start = max(start, datetime.combine(last_day + timedelta(days=1), time(), UTC))
        return start + timedelta(seconds=self.settings.link_lifetime_seconds)

    def link(self, participant_id: str, expires_at: datetime) -> str:
        assert self.settings.public_base_url, "no public_base_url: no links"
        token = self.signer.token(participant_id, expires_at)
        return page_url(self.settings.public_base_url, token)

    def payload(self, participant_id: str, expires_at: datetime) -> ParticipantLinkRequested:
        return ParticipantLinkRequested(
            participant_id=participant_id,
            link=self.link(participant_id, expires_at),
            expires_at=expires_at.replace(microsecond=0),
        )

    async def with_message(
        self, unit: Unit, participant_id: str, *, key: str, last_day: date | None = None
    ) -> None:
        """A companion link for the message about to be emitted by this unit."""
        if not self.enabled:
            return
        expires_at = self.expiry(last_day)
        await unit.emit(
            self.payload(participant_id, expires_at), subject_id=participant_id, key=key
        )

    async def requested(self, con: asyncpg.Connection, email: str) -> int:
        """Queue a link for each participant registered with this address; how many."""
        if not self.enabled:
            log.error("page link requested but COHORT_PUBLIC_BASE_URL is not set; none sent")
            return 0
        sent = 0
        now = self.clock()
        every = self.settings.link_request_interval_seconds
        for person in await store.participants_by_email(con, email):
            pid = person["participant_id"]
            if not await store.claim_link_request(con, pid, now, every):
                log.info("page link re-requested too soon; not sent again")
                continue
            event = REGISTRY.build(
                self.payload(pid, self.expiry()),
                source="cohort/enrolment",
                agency=person["agency"],
                subject_id=pid,
                time=now,
            )
            spec = REGISTRY.spec_for_model(ParticipantLinkRequested)
            await enqueue(con, event, subject=spec.subject_for(event.agency), stream=spec.stream)
            sent += 1
        return sent


# The service's one issuer: `app.py` gives it the runtime's settings when a runtime is made.
ISSUER = LinkIssuer()
