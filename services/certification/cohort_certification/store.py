"""All of the certification service's SQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg
from cohort_kit.access import jsonable

Con: TypeAlias = Any  # asyncpg.Connection or a pool's proxy of one


async def put_fact(con: Con, table: str, key: str, ident: str, agency: str, data: dict) -> None:
    assert table in {"courses", "sessions", "participants"}
    await con.execute(
        f"""INSERT INTO {table} ({key}, agency, data) VALUES ($1, $2, $3)
            ON CONFLICT ({key}) DO UPDATE SET data = EXCLUDED.data, agency = EXCLUDED.agency""",
        ident,
        agency,
        data,
    )


async def fact(con: Con, table: str, key: str, ident: str) -> asyncpg.Record | None:
    assert table in {"courses", "sessions", "participants"}
    return await con.fetchrow(f"SELECT agency, data FROM {table} WHERE {key} = $1", ident)


async def completion_facts(
    con: Con, course_id: str, session_id: str, participant_id: str
) -> tuple[asyncpg.Record | None, asyncpg.Record | None, asyncpg.Record | None]:
    """The course, session and participant of a completion, in one round trip."""
    rows = await con.fetch(
        """SELECT 0 AS n, agency, data FROM courses WHERE course_id = $1
           UNION ALL SELECT 1, agency, data FROM sessions WHERE session_id = $2
           UNION ALL SELECT 2, agency, data FROM participants WHERE participant_id = $3""",
        course_id,
        session_id,
        participant_id,
    )
    found = {row["n"]: row for row in rows}
    return found.get(0), found.get(1), found.get(2)


async def lock_enrolment(con: Con, enrolment_id: str, kind: str) -> None:
    """Serialise issuers of one (enrolment, kind) until the transaction ends."""
    await con.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 4))", f"{enrolment_id}|{kind}"
    )


async def live_certificate(con: Con, enrolment_id: str, kind: str) -> asyncpg.Record | None:
    return await con.fetchrow(
        """SELECT * FROM certificates
           WHERE enrolment_id = $1 AND kind = $2 AND superseded_by IS NULL""",
        enrolment_id,
        kind,
    )


async def next_number(con: Con, agency: str, year: int) -> int:
    """Take the next number; the counter row stays locked until commit."""
    return int(
        await con.fetchval(
            """INSERT INTO number_counters (agency, year, last_value) VALUES ($1, $2, 1)
               ON CONFLICT (agency, year)
               DO UPDATE SET last_value = number_counters.last_value + 1
               RETURNING last_value""",
            agency,
            year,
        )
    )


async def next_status_index(con: Con, agency: str) -> int:
    return int(
        await con.fetchval(
            """INSERT INTO status_counters (agency, last_index) VALUES ($1, 0)
               ON CONFLICT (agency) DO UPDATE SET last_index = status_counters.last_index + 1
               RETURNING last_index""",
            agency,
        )
    )


async def code_taken(con: Con, code: str) -> bool:
    return bool(
        await con.fetchval("SELECT true FROM certificates WHERE verification_code = $1", code)
    )


async def insert_certificate(con: Con, row: dict[str, Any]) -> None:
    await con.execute(
        """INSERT INTO certificates (certificate_id, number, verification_code, agency,
               enrolment_id, kind, participant_id, course_id, session_id, issued_at,
               status_index, facts, credential, url_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)""",
        row["certificate_id"],
        row["number"],
        row["verification_code"],
        row["agency"],
        row["enrolment_id"],
        row["kind"],
        row["participant_id"],
        row["course_id"],
        row["session_id"],
        row["issued_at"],
        row["status_index"],
        row["facts"],
        row["credential"],
        row["url_id"],
    )


async def certificate(con: Con, certificate_id: str) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM certificates WHERE certificate_id = $1", certificate_id
    )


async def certificate_by_url_id(con: Con, url_id: str) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM certificates WHERE url_id = $1", url_id)


async def certificate_by_code(con: Con, code: str) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM certificates WHERE verification_code = $1", code)


async def certificate_by_status(con: Con, agency: str, index: int) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM certificates WHERE agency = $1 AND status_index = $2", agency, index
    )


async def live_certificates_of(con: Con, participant_id: str) -> list[asyncpg.Record]:
    return await con.fetch(
        """SELECT * FROM certificates
           WHERE participant_id = $1 AND superseded_by IS NULL AND revoked_at IS NULL
           ORDER BY certificate_id""",
        participant_id,
    )


async def revoke(
    con: Con, certificate_id: str, reason: str, at: datetime, superseded_by: str | None = None
) -> bool:
    """Mark revoked; False when it already was (nothing changes)."""
    status = await con.execute(
        """UPDATE certificates SET revoked_at = $2, revocation_reason = $3,
               superseded_by = COALESCE($4, superseded_by)
           WHERE certificate_id = $1 AND revoked_at IS NULL""",
        certificate_id,
        at,
        reason,
        superseded_by,
    )
    return status.endswith(" 1")


async def revoked_indices(con: Con, agency: str) -> list[int]:
    rows = await con.fetch(
        "SELECT status_index FROM certificates WHERE agency = $1 AND revoked_at IS NOT NULL",
        agency,
    )
    return [r["status_index"] for r in rows]


async def add_trainer(con: Con, row: dict[str, Any]) -> None:
    await con.execute(
        """INSERT INTO trainers (trainer_id, programme, agency, country, certificate_id,
               certified_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (trainer_id, programme) DO UPDATE
               SET certificate_id = EXCLUDED.certificate_id,
                   certified_at = EXCLUDED.certified_at""",
        row["trainer_id"],
        row["programme"],
        row["agency"],
        row["country"],
        row["certificate_id"],
        row["certified_at"],
    )


async def trainers(
    con: Con, programme: str | None, country: str | None, *, agencies: Collection[str]
) -> list[asyncpg.Record]:
    """Certified trainers of `agencies` (the caller's), by programme and country."""
    return await con.fetch(
        """SELECT t.trainer_id, t.programme, t.agency, t.country, t.certificate_id,
                  t.certified_at
           FROM trainers t JOIN certificates c USING (certificate_id)
           WHERE c.revoked_at IS NULL
             AND ($1::text IS NULL OR t.programme = $1)
             AND ($2::text IS NULL OR t.country = $2)
             AND t.agency = ANY($3::text[])
           ORDER BY t.programme, t.country, t.trainer_id""",
        programme,
        country,
        list(agencies),
    )


async def sessions_with_uncertified_facilitators(
    con: Con, *, agencies: Collection[str]
) -> list[asyncpg.Record]:
    """Sessions of `agencies` one of whose facilitators is not a certified trainer of the
    programme."""
    return await con.fetch(
        """SELECT s.session_id, c.data->>'programme' AS programme,
                  array_agg(f.trainer ORDER BY f.trainer) AS uncertified
           FROM sessions s
           JOIN courses c ON c.course_id = s.data->>'course_id'
           CROSS JOIN LATERAL jsonb_array_elements_text(s.data->'facilitators') AS f(trainer)
           WHERE NOT EXISTS (
               SELECT 1 FROM trainers t JOIN certificates x USING (certificate_id)
               WHERE t.trainer_id = f.trainer AND t.programme = c.data->>'programme'
                 AND x.revoked_at IS NULL)
             AND s.agency = ANY($1::text[])
           GROUP BY s.session_id, c.data->>'programme'
           ORDER BY s.session_id""",
        list(agencies),
    )


# Keys ---------------------------------------------------------------------------------


async def active_key(con: Con, agency: str) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM signing_keys WHERE agency = $1 AND active", agency)


async def key(con: Con, key_id: str) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM signing_keys WHERE key_id = $1", key_id)


async def keys_of(con: Con, agency: str) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT * FROM signing_keys WHERE agency = $1 ORDER BY created_at, key_id", agency
    )


async def activate_key(
    con: Con, agency: str, key_id: str, multibase: str, seed: bytes | None
) -> None:
    """Make `key_id` the agency's signing key; the previous one is retired, not deleted."""
    await con.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 5))", agency)
    await con.execute(
        """UPDATE signing_keys SET active = false, retired_at = now()
           WHERE agency = $1 AND active AND key_id <> $2""",
        agency,
        key_id,
    )
    await con.execute(
        """INSERT INTO signing_keys (key_id, agency, public_key_multibase, seed, active)
           VALUES ($1, $2, $3, $4, true)
           ON CONFLICT (key_id) DO UPDATE SET active = true, retired_at = NULL""",
        key_id,
        agency,
        multibase,
        seed,
    )


# --- erasure (see erasure.py) --------------------------------------------------------------


async def certificates_of(con: Con, participant_id: str) -> list[asyncpg.Record]:
    """Every certificate of the participant, superseded and revoked ones included."""
    return await con.fetch(
        "SELECT * FROM certificates WHERE participant_id = $1 ORDER BY certificate_id",
        participant_id,
    )


async def strip_certificate(
    con: Con, certificate_id: str, sha256: str, credential: dict, facts: dict, at: datetime
) -> None:
    await con.execute(
        """UPDATE certificates SET credential_sha256 = $2, credential = $3, facts = $4,
                  erased_at = $5
           WHERE certificate_id = $1 AND erased_at IS NULL""",
        certificate_id,
        sha256,
        credential,
        facts,
        at,
    )


async def forget_participant(con: Con, participant_id: str) -> None:
    await con.execute("DELETE FROM participants WHERE participant_id = $1", participant_id)


async def export_participant(con: Con, participant_id: str) -> dict[str, Any]:
    """Everything this service holds about one participant (right of access)."""
    person = await fact(con, "participants", "participant_id", participant_id)
    certs = await certificates_of(con, participant_id)
    trainer = await con.fetch("SELECT * FROM trainers WHERE trainer_id = $1", participant_id)
    return {
        "participant": dict(person["data"]) if person else None,
        "certificates": [jsonable(r) for r in certs],
        "trainer_registry": [jsonable(r) for r in trainer],
    }
