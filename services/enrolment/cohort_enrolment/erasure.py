"""Forgetting a participant (issue 17), on the intake router, in INTAKE order.

Names and e-mail go; the participant row stays pseudonymous (agency, organisation for
quotas, language). Live enrolments in sessions not yet started are withdrawn exactly as
`enrolment.withdrawn.v1` would (the waitlist promotes as usual); those of sessions that
have started or ended stay, with their attendance, marks and outcomes.
"""

from __future__ import annotations

from typing import Any

import structlog
from cohort_kit import Unit, ownership
from cohort_kit.erasure import access_router, check_owner, confirm_erased

from . import store
from .handlers import LIVE, intake
from .seating import emit_cancelled as _emit_cancelled
from .seating import fit_capacity as _fit_capacity

log = structlog.get_logger(__name__)

# The direct identifiers this service holds, all cleared by `forget_participant`.
ERASES = {"participants": ("given_name", "family_name", "email")}
KEPT = (
    "participant (agency, organisation, language)",
    "enrolments (seat, status, reason)",
    "attendance, assessments, evaluations received, completions",
    "certificates (ids, codes, links)",
)


@intake.on("participant.erasure_requested.v1")
async def participant_erasure_requested(unit: Unit) -> None:
    pid = unit.payload.participant_id
    check_owner(unit, await ownership.owner(unit.con, "participant", pid))
    cancelled = []
    for row in await store.live_enrolments_not_started(unit.con, pid, unit.event.time):
        session = await store.lock_session(unit.con, row["session_id"])
        current = await store.enrolment(unit.con, row["enrolment_id"])
        if session is None or current is None or current["status"] not in LIVE:
            continue
        await store.set_status(unit.con, current["enrolment_id"], "cancelled", reason="withdrawn")
        await _emit_cancelled(unit, current, "withdrawn")
        if current["status"] == "confirmed":
            await _fit_capacity(unit, session)
        cancelled.append(current["enrolment_id"])
    await store.forget_participant(unit.con, pid, unit.event.time)
    await confirm_erased(unit, cancelled=cancelled, kept=KEPT)
    log.info("participant forgotten", cancelled=len(cancelled))


def access(runtime: Any) -> Any:
    async def owner(con: Any, pid: str) -> str | None:
        return await ownership.owner(con, "participant", pid)

    return access_router(runtime, store.export_participant, owner)
