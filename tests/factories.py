"""Builders of valid intake events for tests (CloudEvent dicts, ready to publish)."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

_clock = itertools.count()
BASE_TIME = datetime(2023, 5, 1, 8, 0, tzinfo=UTC)


def envelope(
    type_: str,
    data: dict[str, Any],
    *,
    agency: str = "iom",
    subject: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    when = time or BASE_TIME + timedelta(seconds=next(_clock))
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": f"{agency}/test",
        "type": type_,
        "time": when.isoformat(),
        "subject": subject,
        "datacontenttype": "application/json",
        "agency": agency,
        "data": data,
    }


def participant(pid: str = "iom:p-1", *, agency: str = "iom", **over: Any) -> dict[str, Any]:
    data = {
        "participant_id": pid,
        "given_name": "Fatima",
        "family_name": "Said Ali",
        "email": f"{pid.replace(':', '.')}@example.org",
        "sex": "female",
        "nationality": "COM",
        "country_of_residence": "COM",
        "organisation": {"name": "MIIDAT", "kind": "government"},
        "preferred_language": "fr",
        "consent": {"contact": True, "statistics": True},
    }
    data.update(over)
    return envelope("participant.registered.v1", data, agency=agency, subject=pid)
