"""Forgetting a participant (issue 17), on the intake router.

Names, e-mail and phone go; the participant row stays pseudonymous with `erased_at` set,
so no later event sends them anything (`Notifier.notify` checks it). Delivery records keep
who, which template, when and how it went, without address or text; pending ones are
cancelled, pending reminders voided (the purge loop removes their schedules), page links
deleted, and the name removed from organisers' digests.
"""

from __future__ import annotations

from typing import Any

import structlog
from cohort_kit import Router, Unit
from cohort_kit.erasure import access_router, check_owner, confirm_erased

from . import store

log = structlog.get_logger(__name__)

ERASES = {
    "participants": ("given_name", "family_name", "email", "phone"),
    "deliveries": ("address", "subject", "body_text", "body_html", "attachments", "last_error"),
    "digest_items": ("item_id", "detail"),
    # An official's address, kept when they unsubscribed from report e-mails: gone too if it
    # is the erased person's.
    "report_unsubscribed": ("address",),
}
KEPT = (
    "participant (id, agency, language)",
    "deliveries (template, channel, status, times) without address or text",
    "enrolment statuses",
)


def register(intake: Router) -> None:
    intake.on("participant.erasure_requested.v1")(participant_erasure_requested)


async def participant_erasure_requested(unit: Unit) -> None:
    con, pid = unit.con, unit.payload.participant_id
    known = await store.participant(con, pid)
    check_owner(unit, known["agency"] if known else None)
    old = await store.forget_participant(con, pid, unit.event.time)
    scrubbed = await store.forget_deliveries(con, pid)
    await store.void_all_reminders(con, pid)
    await store.forget_page_links(con, pid)
    if old is not None:
        if old["given_name"] and old["family_name"]:
            name = f"{old['given_name']} {old['family_name']}"
            await store.forget_name_in_organiser_copies(con, pid, name)
        needles = [v for v in (old["email"], old["phone"]) if v]
        if needles:
            await store.forget_published_outbox(con, needles)
        if old["email"]:
            await store.forget_unsubscribed_address(con, old["email"])
    await confirm_erased(unit, kept=KEPT)
    log.info("participant forgotten", deliveries=scrubbed)


def access(runtime: Any) -> Any:
    async def owner(con: Any, pid: str) -> str | None:
        row = await store.participant(con, pid)
        return row["agency"] if row else None

    return access_router(runtime, store.export_participant, owner)
