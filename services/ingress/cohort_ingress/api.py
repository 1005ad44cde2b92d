"""HTTP: `POST /v1/events`, `GET /v1/rejections`, `GET /v1/limits`."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from cohort_kit.auth import public
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from nats.js import JetStreamContext
from pydantic import BaseModel, Field

from . import modes
from .identity import Caller, caller
from .intake import Outcome, Publish, ingest
from .limits import Limits
from .problems import PROBLEM_JSON, Problem
from .ratelimit import RateLimiter
from .rejections import rejections_of


class State(Protocol):
    """What the routes need from the running ingress."""

    limits: Limits
    limiter: RateLimiter
    retry_after: int
    rejections_max: int

    def publisher(self) -> Publish: ...

    def jetstream(self) -> JetStreamContext: ...


class Accepted(BaseModel):
    id: str = Field(description="The event's id (also its `Nats-Msg-Id`).")
    status: str = Field(description="`accepted`, or `duplicate` when already stored.")
    stream_seq: int = Field(description="Its sequence in the INTAKE stream.")


class ResultError(BaseModel):
    code: str = Field(description="A dead-letter reason, or `unavailable`.")
    detail: str | None = None
    retryable: bool = Field(description="True: resend it (with the same id).")


class Result(BaseModel):
    index: int
    id: str | None
    status: str = Field(description="accepted | duplicate | rejected | failed | not_attempted")
    stream_seq: int | None = None
    error: ResultError | None = None


class BatchAnswer(BaseModel):
    failed_count: int = Field(description="Events not stored (rejected, failed, not attempted).")
    results: list[Result] = Field(description="One per event, in request order.")


PROBLEM = {"content": {PROBLEM_JSON: {}}, "description": "RFC 9457 problem details."}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {**PROBLEM, "description": text}
    for code, text in {
        400: "Not JSON, not a CloudEvent, a batch that is not an array, or (one event) "
        "an event that fails validation: `reason` names why.",
        401: "No valid bearer token.",
        403: "The token is not an agency's, or (one event) `agency` is not the caller's.",
        413: "Over the limits (`GET /v1/limits`).",
        415: "Unsupported content type.",
        429: "Rate-limited; see `Retry-After`.",
        503: "NATS did not confirm the publish; resend after `Retry-After`.",
    }.items()
}


def make_api(state: State) -> APIRouter:
    api = APIRouter(tags=["intake"])
    limits = state.limits

    @api.post(
        "/v1/events",
        summary="Publish CloudEvents to intake (structured, batched or binary mode).",
        description=(
            "Answers only after NATS JetStream confirmed the events stored (PubAck). "
            "One event: 202. A batch: 200 with one result per event, in order; after the "
            "first event NATS did not confirm, the rest are `not_attempted`: resend the "
            "same batch, stored ones come back as `duplicate`. " + limits.describe()
        ),
        status_code=202,
        response_model=Accepted,
        responses={
            200: {"model": BatchAnswer, "description": "A batch: one result per event."},
            **ERRORS,
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    modes.STRUCTURED: {"schema": {"type": "object"}},
                    modes.BATCH: {"schema": {"type": "array", "maxItems": limits.max_batch_events}},
                    modes.JSON: {"schema": {"type": "object", "description": "binary mode"}},
                },
            },
            "x-cohort-limits": limits.model_dump(),
        },
    )
    async def post_events(request: Request, who: Caller = caller) -> Any:
        body = await _read_bounded(request, limits.max_request_bytes)
        carried = modes.split(dict(request.headers), body, limits)
        wait = state.limiter.admit(who.agency, len(carried.bodies))
        if wait is not None:
            raise Problem(429, "too many events for this minute", retry_after=wait)
        outcomes = await ingest(carried.bodies, who.agency, state.publisher())
        if carried.batch:
            return _batch_answer(outcomes, state.retry_after)
        return _single_answer(outcomes[0], state.retry_after)

    @api.get(
        "/v1/rejections",
        summary="Your own intake that the network dead-lettered later, with reason and event.",
        responses={401: ERRORS[401], 403: ERRORS[403]},
    )
    async def get_rejections(
        since: datetime | None = Query(None, description="RFC 3339; only dead-letters after it."),
        who: Caller = caller,
    ) -> dict[str, Any]:
        found = await rejections_of(state.jetstream(), who.agency, since, state.rejections_max)
        return {"agency": who.agency, "rejections": found}

    @api.get(
        "/v1/limits",
        summary="Batch and size limits.",
        response_model=Limits,
        dependencies=[public("the limits a client must respect, before it has a token")],
    )
    async def get_limits() -> Limits:
        return limits

    return api


async def _read_bounded(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` (never read whole first)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"request body over {limit} bytes", reason="too_large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"request body over {limit} bytes", reason="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def _single_answer(outcome: Outcome, retry_after: int) -> JSONResponse:
    if outcome.stored:
        body = {"id": outcome.id, "status": outcome.status, "stream_seq": outcome.stream_seq}
        return JSONResponse(body, status_code=202)
    if outcome.status == "rejected":
        status = 403 if outcome.reason == "agency_mismatch" else 400
        raise Problem(status, outcome.detail or "", reason=outcome.reason, id=outcome.id)
    raise Problem(503, outcome.detail or "NATS unavailable", retry_after=retry_after, id=outcome.id)


def _batch_answer(outcomes: list[Outcome], retry_after: int) -> JSONResponse:
    if any(o.retryable for o in outcomes) and not any(o.stored for o in outcomes):
        raise Problem(
            503, "NATS did not confirm any event; resend the batch", retry_after=retry_after
        )
    results = [o.as_json() for o in outcomes]
    headers = {"Retry-After": str(retry_after)} if any(o.retryable for o in outcomes) else {}
    failed = sum(not o.stored for o in outcomes)
    return JSONResponse({"failed_count": failed, "results": results}, headers=headers)
