"""HTTP: a participant's and a session's deliveries, and a resend for organisers.

Only the agency the deliveries belong to (scope `roster:agency:<agency>`) reads or resends
them; another agency's delivery answers like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from cohort_kit.auth import Principal, public, require
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from . import store
from .domain import delivery_id
from .reportmail import read_unsubscribe_token


class Delivery(BaseModel):
    delivery_id: str = Field(description="Delivery id (also in the Message-ID).")
    cause_id: str = Field(description="Event that caused it.")
    recipient: str = Field(description="Participant id or organiser address.")
    channel: str = Field(description="email, sms or webhook.")
    template: str = Field(description="Template.")
    language: str = Field(description="Language sent in.")
    subject: str = Field(description="Subject line.")
    status: str = Field(description="pending, sent or failed.")
    attempts: int = Field(description="Attempts made.")
    last_error: str | None = Field(description="Last error, if any.")


ROSTER = "roster:agency:"


def _out(rows: list[Any]) -> list[Delivery]:
    return [Delivery(**{k: r[k] for k in Delivery.model_fields}) for r in rows]


def make_api(runtime: Any) -> APIRouter:
    api = APIRouter(prefix="/notifications", tags=["notifications"])

    async def deliveries(column: str, value: str, caller: Principal) -> list[Delivery]:
        """The deliveries whose `column` is `value`, of the caller's agencies."""
        agencies = caller.values(ROSTER)
        async with runtime.pool.acquire() as con:
            return _out(await store.deliveries_where(con, column, value, agencies=agencies))

    @api.get("/participants/{participant_id}/deliveries", response_model=list[Delivery])
    async def participant_deliveries(
        participant_id: str, caller: Principal = require("roster")
    ) -> list[Delivery]:
        return await deliveries("participant_id", participant_id, caller)

    @api.get("/sessions/{session_id}/deliveries", response_model=list[Delivery])
    async def session_deliveries(
        session_id: str, caller: Principal = require("roster")
    ) -> list[Delivery]:
        return await deliveries("session_id", session_id, caller)

    @api.post("/deliveries/{delivery}/resend", response_model=Delivery, status_code=202)
    async def resend(delivery: str, caller: Principal = require("roster")) -> Delivery:
        """Send a delivery again (a new delivery with the same content)."""
        agencies = caller.values(ROSTER)
        async with runtime.pool.acquire() as con, con.transaction():
            rows = await store.deliveries_where(con, "delivery_id", delivery, agencies=agencies)
            if not rows:
                raise HTTPException(404, "no such delivery")
            d = dict(rows[0])
            n = await con.fetchval(
                "SELECT count(*) FROM deliveries WHERE cause_id LIKE $1", f"resend:{delivery}:%"
            )
            cause = f"resend:{delivery}:{n + 1}"
            new = {
                **d,
                "cause_id": cause,
                "delivery_id": delivery_id(cause, d["recipient"], d["channel"]),
            }
            await store.insert_delivery(con, new)
            created = await store.deliveries_where(
                con, "delivery_id", new["delivery_id"], agencies=agencies
            )
            return _out(created)[0]

    @api.get(
        "/unsubscribe",
        response_class=HTMLResponse,
        summary="Stop report e-mails.",
        dependencies=[public("the unsubscribe link of a report e-mail, HMAC-signed")],
    )
    async def unsubscribe(token: str = Query(..., max_length=2000)) -> HTMLResponse:
        """The link at the foot of every report e-mail: no more reports of that organisation
        to that address (the registry entry stays; its owner can remove it)."""
        secret = runtime.settings.unsubscribe_secret
        try:
            found = read_unsubscribe_token(secret, token) if secret else None
        except ValueError:
            found = None
        if found is None:
            raise HTTPException(404, "unknown link")
        org, address = found
        async with runtime.pool.acquire() as con:
            await store.unsubscribe(con, org, address)
        return HTMLResponse(
            "<!DOCTYPE html><html><body><p>You will receive no more reports of this "
            "organisation. / Vous ne recevrez plus ces rapports. / "
            "لن تتلقى هذه التقارير بعد الآن.</p></body></html>"
        )

    return api
