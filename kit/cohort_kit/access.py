"""Right of access: what a service holds about one participant, as rows ready for JSON.

Each service names its own queries (one per table, each taking the participant id as $1);
running them and making the rows JSON-ready is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def jsonable(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row with its dates and times as ISO 8601 text."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def tables_by_participant(**tables: str) -> dict[str, str]:
    """`{name: query}` reading every row of each table whose `participant_id` is $1."""
    return {
        name: f"SELECT * FROM {table} WHERE participant_id = $1" for name, table in tables.items()
    }


async def held_rows(con: Any, participant_id: str, queries: Mapping[str, str]) -> dict[str, Any]:
    """`{name: [row, ...]}` for every named query, run with the participant id as $1."""
    return {
        name: [jsonable(r) for r in await con.fetch(sql, participant_id)]
        for name, sql in queries.items()
    }
