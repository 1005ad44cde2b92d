"""One small function per event type: keep the facts, decide the messages."""

from __future__ import annotations

import uuid

import structlog
from cohort_contracts.privacy import ERASED_TEXT
from cohort_kit import NotYetApplicable, Router, Unit

from . import reportmail, store
from .notifier import Notifier

log = structlog.get_logger(__name__)


async def _need(unit: Unit, record: object, what: str) -> bool:
    """True when known; retry while the window lasts, then give up on the message."""
    if record is not None:
        return True
    if not unit.final:
        raise NotYetApplicable(what)
    log.warning("not known for good; no message", missing=what)
    return False


_EVALUATION = uuid.UUID("4c1f6b1e-0d7a-4b8e-9a3c-5e2d1f0a9b77")


def evaluation_cause(enrolment_id: str) -> str:
    """The cause id of an enrolment's one evaluation request, whatever completion asked."""
    return str(uuid.uuid5(_EVALUATION, enrolment_id))


def _who(participant: object) -> str | None:
    if participant is None:
        return None
    if participant["erased_at"] is not None:  # type: ignore[index]
        return ERASED_TEXT  # shown as a neutral label in the organiser's digest
    return f"{participant['given_name']} {participant['family_name']}"  # type: ignore[index]


def make_routers(n: Notifier) -> dict[str, Router]:
    intake, enrolment, certificates, reports = Router(), Router(), Router(), Router()

    @reports.on("report.published.v1")
    async def report_published(unit: Unit) -> None:
        report = unit.payload.model_dump(mode="json")
        await reportmail.queue(unit.con, unit.event.envelope, report, n.registry(), n.settings)

    @intake.on("course.published.v1")
    async def course_published(unit: Unit) -> None:
        await store.upsert_course(unit.con, unit.payload)

    @intake.on("session.scheduled.v1")
    async def session_scheduled(unit: Unit) -> None:
        await store.upsert_session(unit.con, unit.payload, unit.event.agency)

    @intake.on("participant.registered.v1")
    async def participant_registered(unit: Unit) -> None:
        await store.upsert_participant(unit.con, unit.payload, unit.event.agency)

    @intake.on("enrolment.requested.v1")
    async def enrolment_requested(unit: Unit) -> None:
        p = unit.payload
        await store.upsert_enrolment(
            unit.con, p.enrolment_id, p.session_id, p.participant_id, "requested"
        )

    @intake.on("session.rescheduled.v1")
    async def session_rescheduled(unit: Unit) -> None:
        p, con = unit.payload, unit.con
        if not await _need(unit, await store.session(con, p.session_id), "unknown_session"):
            return
        await store.reschedule_session(con, p.session_id, p.model_dump())
        session = await store.session(con, p.session_id)
        for e in await store.enrolments_of(con, p.session_id):
            if e["status"] not in ("confirmed", "waitlisted"):
                continue
            person = await store.participant(con, e["participant_id"])
            await n.notify(con, unit.event.envelope, "session_rescheduled", person, session)
            if e["status"] == "confirmed":
                await n.schedule_reminders(con, unit.event.envelope, session, e["participant_id"])
        await n.digest(con, unit.event.envelope, session, "session_rescheduled", None)

    @intake.on("session.cancelled.v1")
    async def session_cancelled(unit: Unit) -> None:
        p, con = unit.payload, unit.con
        if not await _need(unit, await store.session(con, p.session_id), "unknown_session"):
            return
        await store.set_session_status(con, p.session_id, "cancelled", p.reason)
        session = await store.session(con, p.session_id)
        await store.void_reminders(con, p.session_id)
        for e in await store.enrolments_of(con, p.session_id):
            # The enrolment service may have cancelled them already (another stream).
            live = e["status"] in ("confirmed", "waitlisted")
            if live or (e["status"] == "cancelled" and e["reason"] == "session_cancelled"):
                person = await store.participant(con, e["participant_id"])
                extra = {"reason": p.reason}
                await n.notify(
                    con, unit.event.envelope, "session_cancelled", person, session, extra
                )
        await n.digest(con, unit.event.envelope, session, "session_cancelled", None)

    @intake.on("session.closed.v1")
    async def session_closed(unit: Unit) -> None:
        p, con = unit.payload, unit.con
        if not await _need(unit, await store.session(con, p.session_id), "unknown_session"):
            return
        await store.set_session_status(con, p.session_id, "closed", None)
        # The evaluation request follows each `enrolment.completed` (see below): enrolment
        # emits one per confirmed enrolment at the close, on the same stream as the
        # confirmations, so who is asked never depends on how far another consumer got.

    @enrolment.on("enrolment.completed.v1")
    async def completed(unit: Unit) -> None:
        p, con = unit.payload, unit.con
        session = await store.session(con, p.session_id)
        person = await store.participant(con, p.participant_id)
        if not await _need(unit, session, "unknown_session"):
            return
        if not await _need(unit, person, "unknown_participant"):
            return
        # Once per enrolment: a corrected completion (late attendance) asks nobody again.
        once = unit.event.envelope.model_copy(update={"id": evaluation_cause(p.enrolment_id)})
        await n.notify(con, once, "evaluation_request", person, session)

    async def decision(unit: Unit, status: str) -> tuple[object, object] | None:
        p, con = unit.payload, unit.con
        reason = getattr(p, "reason", None)
        await store.upsert_enrolment(
            con, p.enrolment_id, p.session_id, p.participant_id, status, reason
        )
        session = await store.session(con, p.session_id)
        person = await store.participant(con, p.participant_id)
        if not await _need(unit, session, "unknown_session"):
            return None
        if not await _need(unit, person, "unknown_participant"):
            return None
        return session, person

    @enrolment.on("enrolment.confirmed.v1")
    async def confirmed(unit: Unit) -> None:
        p = unit.payload
        known = await decision(unit, "confirmed")
        if known is None:
            return
        session, person = known
        template = "enrolment_promoted" if p.promoted_from_waitlist else "enrolment_confirmed"
        cause = unit.event.envelope
        # The link enrolment made for this confirmation came just before it on ENROLMENT,
        # with the same causationid; otherwise the participant's latest valid one, if any.
        link = await n.page_link(unit.con, cause.causationid, p.participant_id)
        extra = {"seat": p.seat, "page_link": link}
        await n.notify(unit.con, cause, template, person, session, extra, calendar=True)
        await n.schedule_reminders(unit.con, cause, session, p.participant_id)
        kind = "promoted" if p.promoted_from_waitlist else "confirmed"
        await n.digest(unit.con, cause, session, kind, _who(person))

    @enrolment.on("participant.link_requested.v1")
    async def link_requested(unit: Unit) -> None:
        """Keep every link; e-mail the ones the participant asked for (no causationid)."""
        p, con, event = unit.payload, unit.con, unit.event.envelope
        await store.add_page_link(
            con, event.id, p.participant_id, str(p.link), p.expires_at, event.causationid
        )
        if event.causationid is not None:
            return  # made for a confirmation or a certificate notice: goes with it
        person = await store.participant(con, p.participant_id)
        if not await _need(unit, person, "unknown_participant"):
            return  # kept, not e-mailed: nobody to send it to (see README)
        if p.expires_at <= n.clock():
            log.warning("page link already expired; not sent", event_id=event.id)
            return
        extra = {"page_link": str(p.link), "expires_at": p.expires_at}
        # Sent even when consent.contact is false: the person asked for it (domain.ALWAYS_SENT).
        await n.notify(con, event, "page_link", person, None, extra, email_only=True)

    @enrolment.on("enrolment.waitlisted.v1")
    async def waitlisted(unit: Unit) -> None:
        known = await decision(unit, "waitlisted")
        if known is None:
            return
        session, person = known
        extra = {"position": unit.payload.position}
        cause = unit.event.envelope
        await n.notify(unit.con, cause, "enrolment_waitlisted", person, session, extra)
        await n.digest(unit.con, cause, session, "waitlisted", _who(person))

    @enrolment.on("enrolment.rejected.v1")
    async def rejected(unit: Unit) -> None:
        known = await decision(unit, "rejected")
        if known is None:
            return
        session, person = known
        extra = {"reason": unit.payload.reason}
        cause = unit.event.envelope
        await n.notify(unit.con, cause, "enrolment_rejected", person, session, extra)
        await n.digest(unit.con, cause, session, "rejected", _who(person))

    @enrolment.on("enrolment.cancelled.v1")
    async def cancelled(unit: Unit) -> None:
        p, con = unit.payload, unit.con
        known = await store.enrolment(con, p.enrolment_id)
        session_id = p.session_id or (known["session_id"] if known else None)
        participant_id = p.participant_id or (known["participant_id"] if known else None)
        await store.upsert_enrolment(
            con, p.enrolment_id, session_id, participant_id, "cancelled", p.reason
        )
        session = await store.session(con, session_id)
        if not await _need(unit, session, "unknown_session"):
            return
        person = await store.participant(con, participant_id)
        if participant_id and session_id:
            await store.void_reminders(con, session_id, participant_id)
        if p.reason == "session_cancelled":
            return  # the session_cancelled message says it
        cause = unit.event.envelope
        await n.notify(con, cause, "enrolment_cancelled", person, session)
        await n.digest(con, cause, session, "cancelled", _who(person))

    @certificates.on("certificate.issued.v1")
    async def certificate_issued(unit: Unit) -> None:
        p, con = unit.payload, unit.con
        session = await store.session(con, p.session_id)
        person = await store.participant(con, p.participant_id)
        if not await _need(unit, session, "unknown_session"):
            return
        if not await _need(unit, person, "unknown_participant"):
            return
        cert = {
            "verification_code": p.verification_code,
            "credential_url": p.credential_url,
            "pdf_url": p.pdf_url,
            "kind": p.kind,
        }
        link = await certificate_link(unit, p.participant_id)
        pdf = {"filename": "certificate.pdf", "content_type": "application/pdf", "url": p.pdf_url}
        await n.notify(
            con,
            unit.event.envelope,
            "certificate_issued",
            person,
            session,
            {"cert": cert, "page_link": link},
            attachments=[pdf],
        )

    async def certificate_link(unit: Unit, participant_id: str) -> str | None:
        """The link enrolment makes for this certificate (causationid = its id).

        It comes on ENROLMENT, after enrolment has read the certificate from CERTIFICATION,
        so it may not be here yet: wait for it (retry window) only when this participant has
        had links before; without COHORT_PUBLIC_BASE_URL no link ever comes, and waiting would
        delay every certificate notice by a whole window. Then the latest valid link, or none.
        """
        con, cause = unit.con, unit.event.envelope.id
        row = await store.page_link_for(con, cause, participant_id)
        if row is not None:
            return str(row["link"])
        if not unit.final and await store.has_page_links(con, participant_id):
            raise NotYetApplicable("page_link_not_yet")
        return await n.page_link(con, None, participant_id)

    return {
        "notification-intake": intake,
        "notification-enrolment": enrolment,
        "notification-certificates": certificates,
        "notification-reports": reports,
    }
