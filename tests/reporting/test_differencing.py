"""Differencing: reports of two allowed periods subtracted must not reveal what a report
hides. Before, Jan–Dec minus Jan–Mar gave a lone April participant; now periods are calendar
months, quarters or years, and a report hides what a nested period would reveal."""

from __future__ import annotations

import itertools

import pytest

from tests.harness import eventually, publish_raw
from tests.reporting import scenario
from tests.reporting.attacker import recover
from tests.reporting.test_reporting_service import _ge, applied, client

pytestmark = pytest.mark.integration

# (session, start date, people trained): ten in February, one alone in April, ten in May.
SESSIONS = [
    ("iom:com-feb", "2023-02-06", 10),
    ("iom:com-apr", "2023-04-03", 1),
    ("iom:com-may", "2023-05-08", 10),
]
MONTHS = [
    (f"2023-{m:02d}-01", f"2023-{m:02d}-{d}")
    for m, d in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30))
]
QUARTERS = [("2023-01-01", "2023-03-31"), ("2023-04-01", "2023-06-30")]
YEAR = [("2023-01-01", "2023-12-31")]


def build() -> scenario.Scenario:
    base = scenario.build()
    s = scenario.Scenario()
    s.intake.append(base.intake[0])  # the course
    n = 0
    for sid, start, people in SESSIONS:
        data = scenario.session(sid, "COM", "Moroni", [], start, start)
        s.add_intake("session.scheduled.v1", data, sid)
        for _ in range(people):
            n += 1
            p = scenario.person(
                f"iom:p-d{n:03d}", 500 + n, sex="female", org="government", nat="COM", res="COM"
            )
            s.add_intake("participant.registered.v1", p, p["participant_id"])
            scenario.complete(s, sid, p, "completed")
    return s


def person_cells(figures: dict, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = {}
    for key, value in figures.items():
        if key in ("provenance", "definition_version", "sessions", "cascade_sessions"):
            continue  # counts of sessions, not of people
        if isinstance(value, dict):
            out |= person_cells(value, (*prefix, key))
        elif isinstance(value, int) and not isinstance(value, bool):
            out[(*prefix, key)] = value
    return out


async def test_no_two_allowed_reports_subtract_to_a_hidden_participant(js, reporting, database_url):
    s = build()
    for subject, body, msg_id in s.bodies():
        await publish_raw(js, subject, body, msg_id)
    await eventually(lambda: _ge(applied(database_url), s.handled), timeout=30)
    async with client(reporting) as http:

        async def report(start: str, end: str) -> dict:
            params = {"scope": "country:COM", "from": start, "to": end}
            answer = await http.get("/reports", params=params)
            assert answer.status_code == 200, answer.text
            return answer.json()

        # The attack of the issue: any period, subtracted from another.
        refused = await http.get(
            "/reports", params={"scope": "country:COM", "from": "2023-01-01", "to": "2023-04-30"}
        )
        assert refused.status_code == 422 and "calendar month" in refused.json()["detail"]

        reports = {span: await report(*span) for span in MONTHS + QUARTERS + YEAR}
        april = reports[MONTHS[3]]["figures"]
        assert april["participants"]["trained"] is None  # one person: hidden
        assert reports[MONTHS[1]]["figures"]["participants"]["trained"] == 10
        cells = {span: person_cells(r["figures"]) for span, r in reports.items()}
        revealed = []
        for a, b in itertools.permutations(reports, 2):
            if not (a[0] <= b[0] and b[1] <= a[1]):
                continue  # only nested periods subtract to a period
            for path, value in cells[a].items():
                other = cells[b].get(path)
                if other is not None and 0 < value - other < 5:
                    revealed.append((a, b, path, value - other))
        assert revealed == []
        # Q2 minus May minus June: the quarter is the sum of its months.
        q2, may, june = (cells[QUARTERS[1]], cells[MONTHS[4]], cells[MONTHS[5]])
        for path, value in q2.items():
            if path in may and path in june:
                assert not 0 < value - may[path] - june[path] < 5, path
        for r in reports.values():
            assert recover(r["figures"]) == {}
