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
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import asyncpg
import structlog
from cohort_contracts.enrolments import ParticipantLinkRequested
from cohort_kit import Unit
from cohort_kit.emitting import emit

from .. import store
from ..settings import EnrolmentSettings
from .links import Signer, page_url

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LinkIssuer:
    """Makes page links with the service's settings; built once by `deps.build`."""

    settings: EnrolmentSettings
    clock: Clock = utcnow

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
        self, unit: Unit[Any, Any], participant_id: str, *, key: str, last_day: date | None = None
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
            await emit(
                con,
                self.payload(pid, self.expiry()),
                service="enrolment",
                agency=person["agency"],
                subject_id=pid,
                time=now,
            )
            sent += 1
        return sent
