"""The read API: a session's roster and counts, a participant's enrolments (OpenAPI at /docs).

Only the agency that runs a session (scope `roster:agency:<agency>`) reads it; everything
of another agency answers 404, exactly like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg
from cohort_kit.auth import Principal, require
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from . import store
from .domain import SessionFacts

if TYPE_CHECKING:
    from cohort_kit import Runtime


class ErrorBody(BaseModel):
    error: str = Field(description="Machine-readable reason.", examples=["unknown_session"])
    message: str = Field(
        description="What went wrong, for people.", examples=["No session 'iom:x' is known."]
    )


class Enrolment(BaseModel):
    enrolment_id: str = Field(examples=["iom:e-com-0001"])
    session_id: str = Field(examples=["iom:com-2023-06-emm2"])
    participant_id: str = Field(examples=["iom:p-com-0001"])
    status: str = Field(
        description="`confirmed`, `waitlisted`, `rejected` or `cancelled`.", examples=["confirmed"]
    )
    seat: int | None = Field(description="Seat number while confirmed.", examples=[1])
    waitlist_position: int | None = Field(
        description="1 = next to be promoted, while waitlisted.", examples=[None]
    )
    reason: str | None = Field(description="Why rejected or cancelled.", examples=[None])
    promoted_from_waitlist: bool = Field(examples=[False])
    nominated_by: str | None = Field(examples=[None])
    requested_at: datetime
    outcome: str | None = Field(
        description="Completion outcome once the session closed.", examples=["completed"]
    )


class Roster(BaseModel):
    session_id: str
    status: str = Field(description="`scheduled`, `cancelled` or `closed`.")
    capacity: int
    waitlist_capacity: int
    enrolments: list[Enrolment] = Field(description="In request (INTAKE) order.")


class ParticipantEnrolments(BaseModel):
    participant_id: str
    enrolments: list[Enrolment]


class Counts(BaseModel):
    session_id: str
    status: str
    capacity: int
    waitlist_capacity: int
    confirmed: int
    waitlisted: int
    rejected: int
    cancelled: int
    seats_free: int
    outcomes: dict[str, int] = Field(description="Completions by outcome, once closed.")


NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown id (or another agency's)."}
}
ROSTER = "roster:agency:"


def make_api(runtime: Runtime) -> APIRouter:
    api = APIRouter(tags=["enrolment"])

    def pool() -> asyncpg.Pool:
        assert runtime.pool is not None, "the service is not started"
        return runtime.pool

    def session_view(read: SessionRead) -> Callable[..., Awaitable[Any]]:
        async def view(session_id: str, caller: Principal = require("roster")) -> Any:
            agencies = caller.values(ROSTER)
            async with pool().acquire() as con:
                session = await store.visible_session(con, session_id, agencies=agencies)
                if session is None:
                    return _unknown("session", session_id)
                return await read(con, session, agencies)

        return view

    for name, (model, read, summary) in SESSION_VIEWS.items():
        api.add_api_route(
            f"/sessions/{{session_id}}/{name}",
            session_view(read),
            methods=["GET"],
            name=name,
            response_model=model,
            responses=NOT_FOUND,
            summary=summary,
        )

    @api.get(
        "/participants/{participant_id}/enrolments",
        response_model=ParticipantEnrolments,
        responses=NOT_FOUND,
        summary="Every enrolment of a participant, in request order.",
    )
    async def participant_enrolments(
        participant_id: str, caller: Principal = require("roster")
    ) -> Any:
        agencies = caller.values(ROSTER)
        async with pool().acquire() as con:
            rows = await store.participant_enrolments(con, participant_id, agencies=agencies)
            known = await store.participant_known(con, participant_id, agencies=agencies)
            if not rows and not known:
                return _unknown("participant", participant_id)
        return ParticipantEnrolments(
            participant_id=participant_id, enrolments=[_enrolment(r) for r in rows]
        )

    return api


async def _roster(con: asyncpg.Connection, session: SessionFacts, agencies: Any) -> Roster:
    rows = await store.roster(con, session.session_id, agencies=agencies)
    return Roster(**_about(session), enrolments=[_enrolment(r) for r in rows])


async def _counts(con: asyncpg.Connection, session: SessionFacts, agencies: Any) -> Counts:
    by_status = await store.counts(con, session.session_id, agencies=agencies)
    outcomes = await store.outcome_counts(con, session.session_id, agencies=agencies)
    confirmed = by_status.get("confirmed", 0)
    return Counts(
        **_about(session),
        confirmed=confirmed,
        waitlisted=by_status.get("waitlisted", 0),
        rejected=by_status.get("rejected", 0),
        cancelled=by_status.get("cancelled", 0),
        seats_free=max(session.capacity - confirmed, 0),
        outcomes=outcomes,
    )


SessionRead = Callable[[asyncpg.Connection, SessionFacts, Any], Awaitable[BaseModel]]
# What a roster reader sees of a session it may see (else 404): name, model, summary, reader.
SESSION_VIEWS: dict[str, tuple[type[BaseModel], SessionRead, str]] = {
    "roster": (Roster, _roster, "A session's enrolments: status, seat, waitlist position."),
    "counts": (
        Counts,
        _counts,
        "How many are confirmed, waitlisted, rejected, cancelled; outcomes.",
    ),
}


def _about(session: SessionFacts) -> dict[str, Any]:
    """What every view of a session starts with."""
    return {
        "session_id": session.session_id,
        "status": session.status,
        "capacity": session.capacity,
        "waitlist_capacity": session.waitlist_capacity,
    }


def _enrolment(row: asyncpg.Record) -> Enrolment:
    # The columns of the same name, and the two the API names for its readers.
    return Enrolment.model_validate(
        {**row, "waitlist_position": row["position"], "promoted_from_waitlist": row["promoted"]}
    )


def _unknown(what: str, ident: str) -> JSONResponse:
    body = ErrorBody(error=f"unknown_{what}", message=f"No {what} {ident!r} is known here.")
    return JSONResponse(body.model_dump(), status_code=404)
