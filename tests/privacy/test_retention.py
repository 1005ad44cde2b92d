"""The retention sweeper asks for exactly the erasures that are due (injected clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cohort_cli.privacy import due

pytestmark = pytest.mark.unit

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_only_participants_past_their_agencys_period_and_not_yet_erased_are_due():
    activity = {
        ("iom", "iom:old"): NOW - timedelta(days=800),
        ("iom", "iom:recent"): NOW - timedelta(days=10),
        ("iom", "iom:erased"): NOW - timedelta(days=900),
        ("icmpd", "icmpd:old"): NOW - timedelta(days=800),  # icmpd has no contacts period
        ("iom", "iom:came-back"): NOW - timedelta(days=750),
    }
    erased = {
        ("iom", "iom:erased"): NOW - timedelta(days=100),
        ("iom", "iom:came-back"): NOW - timedelta(days=760),  # active again after erasure
    }
    retention = {"iom": {"contacts": 730}, "icmpd": {"training_records": 3650}}
    assert [(a, p) for a, p, _ in due(activity, erased, retention, NOW)] == [
        ("iom", "iom:came-back"),
        ("iom", "iom:old"),
    ]
