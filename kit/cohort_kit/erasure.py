"""What every service's erasure duty shares: the owner check and the confirmation.

A service forgets a participant in the unit of the `participant.erasure_requested.v1`
event (same transaction as its inbox row), then confirms with `participant.erased.v1`
on `privacy.erased.<service>.<request digest>`, where the erasure worker looks for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from cohort_contracts.privacy import ParticipantErased

from .errors import Invalid
from .units import Unit

Export = Callable[[Any, str], Awaitable[dict[str, Any]]]
Owner = Callable[[Any, str], Awaitable[str | None]]


def request_digest(request_id: str) -> str:
    """A subject token for a request id (ids may hold characters a token may not)."""
    return hashlib.sha256(request_id.encode()).hexdigest()[:32]


def confirmation_subject(service: str, request_id: str) -> str:
    return f"privacy.erased.{service}.{request_digest(request_id)}"


def check_owner(unit: Unit, owner: str | None) -> None:
    """Only the agency that registered the participant may ask to forget them.

    `owner` is the agency recorded with the participant (None when unknown: nothing is
    held, so there is nothing to refuse). Same reason as the kit-wide ownership rule.
    """
    agency = unit.event.agency
    if owner is not None and owner != agency:
        raise Invalid(
            "not_owner",
            f"agency {agency!r} may not erase participant {unit.payload.participant_id!r} "
            f"registered by {owner!r}",
        )


async def confirm_erased(
    unit: Unit, *, cancelled: Iterable[str] = (), kept: Iterable[str] = ()
) -> str:
    """Emit this service's `participant.erased.v1` for the request being applied."""
    request = unit.event
    return await unit.emit(
        ParticipantErased(
            participant_id=request.payload.participant_id,
            request_id=request.id,
            service=unit.service,
            reason=request.payload.reason,
            cancelled_enrolments=list(cancelled),
            kept=list(kept),
        ),
        subject_id=request.payload.participant_id,
        tail=f"{unit.service}.{request_digest(request.id)}",
        key=f"participant.erased:{unit.service}",  # ids differ per service (dedup)
    )


def access_router(runtime: Any, export: Export, owner: Owner) -> Any:
    """`GET /privacy/participants/{participant_id}`: what this service holds about one
    participant (right of access), only for the agency that registered them (scope
    `roster:agency:<agency>`, as for rosters); any other caller gets the same 404 as for
    someone unknown, so existence is not revealed."""
    from fastapi import APIRouter, HTTPException

    from .auth import Principal, require

    router = APIRouter(tags=["privacy"])

    @router.get("/privacy/participants/{participant_id}", summary="Right of access")
    async def participant_data(
        participant_id: str, caller: Principal = require("roster")
    ) -> dict[str, Any]:
        if runtime.pool is None:
            raise HTTPException(503, "not started")
        async with runtime.pool.acquire() as con:
            holder = await owner(con, participant_id)
            if holder is None or not caller.allows(f"roster:agency:{holder}"):
                raise HTTPException(404, f"unknown participant {participant_id!r}")
            return {"service": runtime.name, **(await export(con, participant_id))}

    return router
