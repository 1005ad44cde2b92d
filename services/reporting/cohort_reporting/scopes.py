"""Which report scopes the dashboard offers a caller: only the ones it may read.

Scopes hold subject tokens (`reports:programme:EMM2_0`), reports take the values as the
events name them (`programme:EMM2.0`): the values come from the projections, kept when the
caller's scope allows them; a ministry's own country is offered even before any session.
An organisation holding a whole family (`reports:*`, operators) gets a free text box
instead (None).
"""

from __future__ import annotations

import asyncpg
from cohort_kit.auth import Principal, report_scope

# The audiences the projections know, as (kind, value).
_KNOWN = """
SELECT DISTINCT 'country' AS kind, country AS value FROM r_session
UNION SELECT DISTINCT 'donor', unnest(donors) FROM r_session
UNION SELECT DISTINCT 'programme', programme FROM r_course
"""


async def offered(con: asyncpg.Connection, caller: Principal) -> list[str] | None:
    if any(s.startswith("reports:") and s.endswith("*") for s in caller.scopes):
        return None
    found = {f"country:{c}" for c in caller.values("reports:country:")}
    for row in await con.fetch(_KNOWN):
        if row["value"] and caller.allows(report_scope(row["kind"], row["value"])):
            found.add(f"{row['kind']}:{row['value']}")
    return sorted(found)
