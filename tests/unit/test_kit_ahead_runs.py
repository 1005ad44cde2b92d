"""Which messages of a batch one `ahead` call serves: consecutive ones of one route with
`ahead`, and never an event that states an owner (its handler claims, `ownership.learn`)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from cohort_kit.consumer import Item, _ahead_run
from cohort_kit.units import Router, Unit

pytestmark = pytest.mark.unit


async def _noop(unit: Unit) -> None:
    return None


async def _ahead(con: Any, units: list[Unit]) -> None:
    return None


router = Router()
router.on("enrolment.requested.v1", ahead=_ahead)(_noop)
router.on("participant.registered.v1")(_noop)
router.on("certificate.issued.v1", ahead=_ahead)(_noop)


def item(type_: str) -> Item:
    found = Item(msg=SimpleNamespace(subject="x"))  # type: ignore[arg-type]
    found.event = SimpleNamespace(type=type_)  # type: ignore[assignment]
    found.handler = router.handler_for(type_)
    return found


def test_a_run_is_the_consecutive_messages_of_one_route_with_ahead():
    items = [item(t) for t in ("enrolment.requested.v1",) * 3 + ("participant.registered.v1",)]
    items.append(item("enrolment.requested.v1"))
    assert _ahead_run(items, 0) == items[:3]
    assert _ahead_run(items, 1) == items[1:3]
    assert _ahead_run(items, 3) == [items[3]]  # no `ahead`: alone
    assert _ahead_run(items, 4) == [items[4]]


def test_an_event_that_states_an_owner_is_never_served_ahead():
    items = [item("certificate.issued.v1"), item("certificate.issued.v1")]
    assert _ahead_run(items, 0) == [items[0]]
