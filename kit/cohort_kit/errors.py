"""How a handler says what went wrong; the consumer loop turns each kind into an action.

- `ContractError` (from contracts): can never be applied -> dead-letter, ack.
- `NotYetApplicable`: may apply later (an enrolment before its session) -> retry with
  back-off until the retry window ends, then the handler is called with `final=True`
  and must decide for good (e.g. reject `unknown_session`).
- `Invalid`: valid by schema but breaks a rule of the domain for good
  (e.g. an agency touching another agency's session) -> dead-letter with the reason.
- Transient infrastructure errors (database down, time-outs) -> retry, never terminate.
- Anything else is a bug -> retried a few times, then dead-lettered `handler_error`.
"""

from __future__ import annotations

import asyncio

import asyncpg
import nats.errors
import nats.js.errors


class NotYetApplicable(Exception):
    """The event refers to something not known yet; try again later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Invalid(Exception):
    """The event can never be applied by this service (a domain rule, not the schema)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


TRANSIENT_SQLSTATES = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available
    "57P01",  # admin_shutdown
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now
    "53300",  # too_many_connections
    "08000",
    "08003",
    "08006",
    "08001",
    "08004",
}


NATS_TRANSIENT = (
    nats.errors.NoServersError,
    nats.errors.ConnectionClosedError,
    nats.errors.TimeoutError,
    nats.errors.NoRespondersError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,
    nats.js.errors.ServiceUnavailableError,
)


def is_transient(exc: BaseException) -> bool:
    """Errors of the infrastructure that may pass by themselves."""
    if isinstance(exc, (OSError, asyncio.TimeoutError, TimeoutError, ConnectionError)):
        return True
    if isinstance(
        exc, (asyncpg.exceptions.InterfaceError, asyncpg.exceptions.ConnectionDoesNotExistError)
    ):
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(exc, asyncpg.PostgresError) and sqlstate in TRANSIENT_SQLSTATES
