"""Forgetting a participant (issue 17), on the intake router.

Reporting holds no direct identifier. Reports already published stay as they are (they
are anonymous by construction); from the erasure on, the person's attributes are gone and
they count as having refused statistics, so later reports no longer count them.
"""

from __future__ import annotations

from typing import Any

import structlog
from cohort_kit import Router, Unit
from cohort_kit.erasure import access_router, check_owner, confirm_erased

from . import store

log = structlog.get_logger(__name__)

ERASES: dict[str, tuple[str, ...]] = {}
KEPT = (
    "published reports (anonymous, cells under 5 suppressed)",
    "pseudonymous training records, left out of later counts",
)


def register(intake: Router) -> None:
    intake.on("participant.erasure_requested.v1")(participant_erasure_requested)


async def participant_erasure_requested(unit: Unit) -> None:
    pid = unit.payload.participant_id
    check_owner(unit, await store.participant_agency(unit.con, pid))
    await store.forget_participant(unit.con, pid, unit.event.time)
    await store.note_event(unit.con, "reporting-intake", unit.event.time)
    await confirm_erased(unit, kept=KEPT)
    log.info("participant forgotten")


def access(runtime: Any) -> Any:
    async def owner(con: Any, pid: str) -> str | None:
        return await store.participant_agency(con, pid)

    return access_router(runtime, store.export_participant, owner)
