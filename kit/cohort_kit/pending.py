""" "Not known yet": the one rule for a fact another event brings, maybe later.

Inside the retry window a missing fact means "retry later" (`NotYetApplicable`: nak
with back-off, the event comes back). Once `unit.final` is True the window is over and
the handler decides for good; these helpers say how:

- `must_know(unit, value, reason, what)`: the value, or dead-letter (`Invalid`) at the end;
- `known(unit, value, reason)`: True when known, False at the end (the caller gives up
  quietly, e.g. sends no message);
- `wait(unit, reason)`: retry while the window lasts, then return so the caller decides
  (e.g. rejects the request).
"""

from __future__ import annotations

from typing import Any, TypeVar

import structlog

from .errors import Invalid, NotYetApplicable

log = structlog.get_logger(__name__)
T = TypeVar("T")


def wait(unit: Any, reason: str) -> None:
    """Raise `NotYetApplicable(reason)` inside the retry window; return once it is over."""
    if not unit.final:
        raise NotYetApplicable(reason)


def must_know(unit: Any, value: T | None, reason: str, what: str) -> T:
    """`value` when known; else retry, and after the window dead-letter with `reason`."""
    if value is not None:
        return value
    wait(unit, reason)
    raise Invalid(reason, f"{what} still unknown after the retry window")


def known(unit: Any, value: object, reason: str) -> bool:
    """True when `value` is known; else retry, and after the window False (logged)."""
    if value is not None:
        return True
    wait(unit, reason)
    log.warning("not known for good; given up", missing=reason)
    return False
