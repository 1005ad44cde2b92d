"""All of the enrolment service's SQL. Every function runs on the caller's connection."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import astuple, dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg
from cohort_contracts.attendance import AssessmentRecorded, AttendanceRecorded
from cohort_contracts.certificates import CertificateIssued, CertificateRevoked
from cohort_contracts.courses import CoursePublished
from cohort_contracts.enrolments import EnrolmentRequested
from cohort_contracts.participants import ParticipantRegistered
from cohort_contracts.sessions import SessionRescheduled, SessionScheduled
from cohort_kit.access import held_rows, tables_by_participant

from .domain import Attendance, Completion, CompletionRule, SessionFacts

Con: TypeAlias = asyncpg.Connection

# --- facts: courses, sessions, participants ------------------------------------------


async def upsert_course(con: Con, c: CoursePublished, *, agency: str, at: datetime) -> None:
    rule = c.completion_rule
    await con.execute(
        """INSERT INTO courses (course_id, agency, min_attendance_ratio, pass_mark,
                                evaluation_required, modules, published_at, title, materials)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (course_id) DO UPDATE SET
             min_attendance_ratio = EXCLUDED.min_attendance_ratio,
             pass_mark = EXCLUDED.pass_mark,
             evaluation_required = EXCLUDED.evaluation_required,
             modules = EXCLUDED.modules, published_at = EXCLUDED.published_at,
             title = EXCLUDED.title, materials = EXCLUDED.materials
           WHERE courses.published_at <= EXCLUDED.published_at""",
        c.course_id,
        agency,
        rule.min_attendance_ratio,
        rule.pass_mark,
        rule.evaluation_required,
        [m.code for m in c.modules],
        at,
        dict(c.title),
        [m.model_dump(mode="json") for m in c.materials],
    )


async def course(con: Con, course_id: str) -> tuple[CompletionRule, list[str]] | None:
    row = await con.fetchrow("SELECT * FROM courses WHERE course_id = $1", course_id)
    if row is None:
        return None
    rule = CompletionRule(row["min_attendance_ratio"], row["pass_mark"], row["evaluation_required"])
    return rule, list(row["modules"])


async def insert_session(con: Con, s: SessionScheduled, *, agency: str) -> bool:
    """Record a new session; False when it was already known."""
    done = await con.fetchval(
        """INSERT INTO sessions (session_id, agency, course_id, start_date, end_date, capacity,
                                 waitlist_capacity, nomination_quotas, enrolment_closes_at,
                                 country, city, venue, timezone, mode, languages)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
           ON CONFLICT (session_id) DO NOTHING RETURNING true""",
        s.session_id,
        agency,
        s.course_id,
        s.start_date,
        s.end_date,
        s.capacity,
        s.waitlist_capacity,
        s.nomination_quotas,
        s.enrolment_closes_at,
        s.country,
        s.city,
        s.venue,
        s.timezone,
        s.mode,
        list(s.languages),
    )
    return bool(done)


async def update_session(con: Con, session_id: str, changes: dict[str, Any]) -> None:
    allowed = {
        "course_id",
        "start_date",
        "end_date",
        "capacity",
        "waitlist_capacity",
        "nomination_quotas",
        "enrolment_closes_at",
        # shown on the participant page
        "country",
        "city",
        "venue",
        "timezone",
        "mode",
        "languages",
    }
    fields = {k: v for k, v in changes.items() if k in allowed and v is not None}
    if not fields:
        return
    sets = ", ".join(f"{name} = ${n}" for n, name in enumerate(fields, start=2))
    await con.execute(
        f"UPDATE sessions SET {sets} WHERE session_id = $1", session_id, *fields.values()
    )


def session_changes(r: SessionScheduled | SessionRescheduled) -> dict[str, Any]:
    return r.model_dump(exclude={"session_id"})


async def lock_session(con: Con, session_id: str) -> SessionFacts | None:
    """Read a session and hold its row lock until the unit's transaction ends."""
    row = await con.fetchrow("SELECT * FROM sessions WHERE session_id = $1 FOR UPDATE", session_id)
    return _session(row) if row else None


async def session(con: Con, session_id: str) -> SessionFacts | None:
    row = await con.fetchrow("SELECT * FROM sessions WHERE session_id = $1", session_id)
    return _session(row) if row else None


def _session(row: asyncpg.Record) -> SessionFacts:
    quotas = row["nomination_quotas"]
    return SessionFacts(
        session_id=row["session_id"],
        agency=row["agency"],
        course_id=row["course_id"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        capacity=row["capacity"],
        waitlist_capacity=row["waitlist_capacity"],
        enrolment_closes_at=row["enrolment_closes_at"],
        status=row["status"],
        nomination_quotas=json.loads(quotas) if isinstance(quotas, str) else quotas,
    )


async def set_session_status(con: Con, session_id: str, status: str, at: datetime) -> None:
    await con.execute(
        "UPDATE sessions SET status = $2, closed_at = $3 WHERE session_id = $1",
        session_id,
        status,
        at,
    )


async def upsert_participant(
    con: Con, p: ParticipantRegistered, *, agency: str, at: datetime
) -> None:
    await con.execute(
        """INSERT INTO participants (participant_id, agency, organisation, registered_at,
                                     given_name, family_name, email, preferred_language)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (participant_id) DO UPDATE SET
             organisation = EXCLUDED.organisation, registered_at = EXCLUDED.registered_at,
             given_name = EXCLUDED.given_name, family_name = EXCLUDED.family_name,
             email = EXCLUDED.email, preferred_language = EXCLUDED.preferred_language,
             erased_at = NULL
           WHERE participants.registered_at <= EXCLUDED.registered_at""",
        p.participant_id,
        agency,
        p.organisation.name,
        at,
        p.given_name,
        p.family_name,
        p.email,
        p.preferred_language,
    )


# --- enrolments -----------------------------------------------------------------------


async def enrolment(con: Con, enrolment_id: str) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM enrolments WHERE enrolment_id = $1", enrolment_id)


async def request_seat(
    con: Con, req: EnrolmentRequested, *, agency: str, queue_key: int | None, at: datetime
) -> asyncpg.Record:
    """The session locked, then its facts, in one round trip (migrations 080 and 100); and,
    when those facts can only mean a seat, the confirmed row on the lowest free seat
    (`seat`; NULL when nothing was written). The facts are from before that insert.
    `session_id` is NULL when the session is unknown."""
    return await con.fetchrow(  # type: ignore[no-any-return]
        "SELECT * FROM enrolment_request_seat($1, $2, $3, $4, $5, $6, $7)",
        req.session_id,
        req.participant_id,
        req.nominated_by,
        req.enrolment_id,
        agency,
        queue_key,
        at,
    )


async def request_seats(
    con: Con,
    requests: list[EnrolmentRequested],
    *,
    agencies: list[str],
    queue_keys: list[int | None],
    at: list[datetime],
) -> list[asyncpg.Record]:
    """`request_seat` for a run of requests in stream order, in one round trip (migration
    100): one row each, in order; `prepared` is false for a request left to its handler."""
    return await con.fetch(
        "SELECT * FROM enrolment_request_seats($1, $2, $3, $4, $5, $6, $7) ORDER BY n",
        [r.session_id for r in requests],
        [r.participant_id for r in requests],
        [r.nominated_by for r in requests],
        [r.enrolment_id for r in requests],
        agencies,
        queue_keys,
        at,
    )


async def take_back_seat(con: Con, enrolment_id: str) -> None:
    """Remove a row `request_seat` wrote that the domain's decision does not confirm."""
    await con.execute("DELETE FROM enrolments WHERE enrolment_id = $1", enrolment_id)


def session_of(row: asyncpg.Record) -> SessionFacts | None:
    """The session part of `request_seat` (None when the session is unknown)."""
    return _session(row) if row["session_id"] is not None else None


async def next_queue_key(con: Con) -> int:
    return await con.fetchval("SELECT nextval('enrolment_queue')")  # type: ignore[no-any-return]


@dataclass(frozen=True)
class NewEnrolment:
    """A request as every new enrolment row records it, whatever is decided for it."""

    enrolment_id: str
    session_id: str
    participant_id: str
    agency: str
    nominated_by: str | None
    queue_key: int
    requested_at: datetime


async def insert_enrolment(
    con: Con, new: NewEnrolment, *, status: str, seat: int | None, reason: str | None
) -> None:
    await con.execute(
        """INSERT INTO enrolments (enrolment_id, session_id, participant_id, agency, nominated_by,
                                   queue_key, requested_at, status, seat, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        *astuple(new),
        status,
        seat,
        reason,
    )


async def insert_confirmed(con: Con, new: NewEnrolment) -> int | None:
    """Confirm a new request on the lowest free seat, in one statement (under the session
    lock): the seat is chosen and the capacity checked by the INSERT itself. Returns the
    seat, or None when the session has no seat left (then nothing is written)."""
    return await con.fetchval(  # type: ignore[no-any-return]
        """WITH taken AS (SELECT seat FROM enrolments
                           WHERE session_id = $2 AND status = 'confirmed')
           INSERT INTO enrolments (enrolment_id, session_id, participant_id, agency,
                                   nominated_by, status, seat, queue_key, requested_at)
           SELECT $1, $2, $3, $4, $5, 'confirmed',
                  (SELECT min(n) FROM generate_series(1, (SELECT count(*) + 1 FROM taken)) n
                    WHERE n NOT IN (SELECT seat FROM taken)),
                  $6, $7
             FROM sessions s
            WHERE s.session_id = $2 AND (SELECT count(*) FROM taken) < s.capacity
           RETURNING seat""",
        *astuple(new),
    )


async def taken_seats(con: Con, session_id: str) -> set[int]:
    rows = await con.fetch(
        "SELECT seat FROM enrolments WHERE session_id = $1 AND status = 'confirmed'", session_id
    )
    return {r["seat"] for r in rows}


async def live(con: Con, session_id: str, status: str) -> list[asyncpg.Record]:
    """Confirmed or waitlisted enrolments of a session, in queue (INTAKE) order."""
    return await con.fetch(  # type: ignore[no-any-return]
        """SELECT * FROM enrolments WHERE session_id = $1 AND status = $2
           ORDER BY queue_key, enrolment_id""",
        session_id,
        status,
    )


async def set_status(
    con: Con,
    enrolment_id: str,
    status: str,
    *,
    seat: int | None = None,
    reason: str | None = None,
    promoted: bool | None = None,
) -> None:
    await con.execute(
        """UPDATE enrolments SET status = $2, seat = $3, reason = coalesce($4, reason),
                  promoted = coalesce($5, promoted)
           WHERE enrolment_id = $1""",
        enrolment_id,
        status,
        seat,
        reason,
        promoted,
    )


async def has_enrolment(con: Con, session_id: str, participant_id: str) -> bool:
    return bool(
        await con.fetchval(
            "SELECT true FROM enrolments WHERE session_id = $1 AND participant_id = $2 LIMIT 1",
            session_id,
            participant_id,
        )
    )


# --- what happened in the room ---------------------------------------------------------


async def record_attendance(con: Con, a: AttendanceRecorded, at: datetime) -> None:
    """A later record (by event time) for the same day and module replaces an earlier one."""
    await con.execute(
        """INSERT INTO attendance (session_id, participant_id, day, module, present, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (session_id, participant_id, day, module) DO UPDATE SET
             present = EXCLUDED.present, recorded_at = EXCLUDED.recorded_at
           WHERE attendance.recorded_at <= EXCLUDED.recorded_at""",
        a.session_id,
        a.participant_id,
        a.date,
        a.module or "",
        a.present,
        at,
    )


async def record_assessment(con: Con, a: AssessmentRecorded, at: datetime) -> None:
    await con.execute(
        """INSERT INTO assessments (session_id, participant_id, kind, score, recorded_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (session_id, participant_id, kind) DO UPDATE SET
             score = EXCLUDED.score, recorded_at = EXCLUDED.recorded_at
           WHERE assessments.recorded_at <= EXCLUDED.recorded_at""",
        a.session_id,
        a.participant_id,
        a.kind,
        a.score,
        at,
    )


async def record_evaluation(con: Con, session_id: str, participant_id: str) -> None:
    await con.execute(
        "INSERT INTO evaluations VALUES ($1, $2) ON CONFLICT DO NOTHING", session_id, participant_id
    )


@dataclass(frozen=True)
class Record:
    """What the completion rule needs of one participant in one session."""

    attendance: list[Attendance]
    pre_score: float | None
    post_score: float | None
    evaluated: bool


async def session_records(con: Con, session_id: str) -> tuple[dict[str, Record], list[str]]:
    """Per participant: attendance, scores, evaluation; and the modules recorded at all."""
    attendance = await con.fetch(
        "SELECT participant_id, day, module, present FROM attendance WHERE session_id = $1",
        session_id,
    )
    scores = await con.fetch(
        "SELECT participant_id, kind, score FROM assessments WHERE session_id = $1", session_id
    )
    evaluated = {
        r["participant_id"]
        for r in await con.fetch(
            "SELECT participant_id FROM evaluations WHERE session_id = $1", session_id
        )
    }
    people = {r["participant_id"] for r in attendance} | {r["participant_id"] for r in scores}
    people |= evaluated
    by_person: dict[str, Record] = {}
    for pid in people:
        marks = {r["kind"]: r["score"] for r in scores if r["participant_id"] == pid}
        by_person[pid] = Record(
            attendance=[
                Attendance(r["day"], r["module"] or None, r["present"])
                for r in attendance
                if r["participant_id"] == pid
            ],
            pre_score=marks.get("pre"),
            post_score=marks.get("post"),
            evaluated=pid in evaluated,
        )
    modules = sorted({r["module"] for r in attendance if r["module"]})
    return by_person, modules


async def last_completion(con: Con, enrolment_id: str) -> Completion | None:
    row = await con.fetchrow("SELECT * FROM completions WHERE enrolment_id = $1", enrolment_id)
    if row is None:
        return None
    return Completion(row["outcome"], row["attendance_ratio"], row["pre_score"], row["post_score"])


async def save_completion(con: Con, enrolment_id: str, c: Completion) -> None:
    await con.execute(
        """INSERT INTO completions (enrolment_id, outcome, attendance_ratio, pre_score, post_score)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (enrolment_id) DO UPDATE SET outcome = EXCLUDED.outcome,
             attendance_ratio = EXCLUDED.attendance_ratio, pre_score = EXCLUDED.pre_score,
             post_score = EXCLUDED.post_score, revision = completions.revision + 1""",
        enrolment_id,
        c.outcome,
        c.attendance_ratio,
        c.pre_score,
        c.post_score,
    )


# --- the read side ----------------------------------------------------------------------


# --- reads for callers: each takes the agencies the caller may see (no unscoped read) ------


async def visible_session(
    con: Con, session_id: str, *, agencies: Collection[str]
) -> SessionFacts | None:
    """The session if it belongs to one of `agencies`; else None, as if it did not exist."""
    row = await con.fetchrow(
        "SELECT * FROM sessions WHERE session_id = $1 AND agency = ANY($2::text[])",
        session_id,
        list(agencies),
    )
    return _session(row) if row else None


async def roster(con: Con, session_id: str, *, agencies: Collection[str]) -> list[asyncpg.Record]:
    return await con.fetch(  # type: ignore[no-any-return]
        """SELECT e.*, c.outcome,
                  CASE WHEN e.status = 'waitlisted' THEN
                    row_number() OVER (PARTITION BY e.status = 'waitlisted'
                                       ORDER BY e.queue_key, e.enrolment_id) END AS position
           FROM enrolments e LEFT JOIN completions c USING (enrolment_id)
           WHERE e.session_id = $1 AND e.agency = ANY($2::text[])
           ORDER BY e.queue_key, e.enrolment_id""",
        session_id,
        list(agencies),
    )


async def participant_enrolments(
    con: Con, participant_id: str, *, agencies: Collection[str]
) -> list[asyncpg.Record]:
    return await con.fetch(  # type: ignore[no-any-return]
        """SELECT e.*, c.outcome, s.course_id,
                  CASE WHEN e.status = 'waitlisted' THEN
                    (SELECT count(*) FROM enrolments w WHERE w.session_id = e.session_id
                       AND w.status = 'waitlisted'
                       AND (w.queue_key, w.enrolment_id) <= (e.queue_key, e.enrolment_id)) END
                    AS position
           FROM enrolments e LEFT JOIN completions c USING (enrolment_id)
           LEFT JOIN sessions s USING (session_id)
           WHERE e.participant_id = $1 AND e.agency = ANY($2::text[])
           ORDER BY e.requested_at, e.enrolment_id""",
        participant_id,
        list(agencies),
    )


async def participant_known(con: Con, participant_id: str, *, agencies: Collection[str]) -> bool:
    return bool(
        await con.fetchval(
            "SELECT true FROM participants WHERE participant_id = $1 AND agency = ANY($2::text[])",
            participant_id,
            list(agencies),
        )
    )


async def counts(con: Con, session_id: str, *, agencies: Collection[str]) -> dict[str, int]:
    rows = await con.fetch(
        """SELECT status, count(*) AS n FROM enrolments
           WHERE session_id = $1 AND agency = ANY($2::text[]) GROUP BY status""",
        session_id,
        list(agencies),
    )
    return {r["status"]: r["n"] for r in rows}


async def outcome_counts(con: Con, session_id: str, *, agencies: Collection[str]) -> dict[str, int]:
    rows = await con.fetch(
        """SELECT c.outcome, count(*) AS n FROM completions c JOIN enrolments e USING (enrolment_id)
           WHERE e.session_id = $1 AND e.agency = ANY($2::text[]) GROUP BY c.outcome""",
        session_id,
        list(agencies),
    )
    return {r["outcome"]: r["n"] for r in rows}


# --- the participant page -----------------------------------------------------------------


async def record_certificate(con: Con, c: CertificateIssued, *, agency: str) -> None:
    """Keep what the page links to; a re-delivered or re-published issue changes nothing."""
    await con.execute(
        """INSERT INTO certificates (certificate_id, agency, participant_id, enrolment_id,
                                     session_id, course_id, kind, verification_code,
                                     credential_url, pdf_url, issued_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (certificate_id) DO NOTHING""",
        c.certificate_id,
        agency,
        c.participant_id,
        c.enrolment_id,
        c.session_id,
        c.course_id,
        c.kind,
        c.verification_code,
        c.credential_url,
        c.pdf_url,
        c.issued_at,
    )


async def record_revocation(con: Con, r: CertificateRevoked, at: datetime) -> None:
    await con.execute(
        """INSERT INTO certificate_revocations (certificate_id, reason, revoked_at)
           VALUES ($1, $2, $3) ON CONFLICT (certificate_id) DO NOTHING""",
        r.certificate_id,
        r.reason,
        at,
    )


async def profile(con: Con, participant_id: str) -> asyncpg.Record | None:
    return await con.fetchrow(  # type: ignore[no-any-return]
        """SELECT participant_id, agency, given_name, family_name, preferred_language
           FROM participants WHERE participant_id = $1""",
        participant_id,
    )


async def participants_by_email(con: Con, email: str) -> list[asyncpg.Record]:
    """Everyone registered with this address (one person may be registered by two agencies)."""
    return await con.fetch(  # type: ignore[no-any-return]
        """SELECT participant_id, agency FROM participants
           WHERE lower(email) = lower($1) ORDER BY participant_id""",
        email,
    )


async def claim_link_request(con: Con, participant_id: str, now: datetime, every: float) -> bool:
    """True when no link was e-mailed on request in the last `every` seconds (and note it)."""
    return bool(
        await con.fetchval(
            """INSERT INTO link_requests (participant_id, requested_at) VALUES ($1, $2)
               ON CONFLICT (participant_id) DO UPDATE SET requested_at = EXCLUDED.requested_at
               WHERE link_requests.requested_at
                     <= EXCLUDED.requested_at - make_interval(secs => $3)
               RETURNING true""",
            participant_id,
            now,
            every,
        )
    )


async def page_sessions(con: Con, participant_id: str) -> list[asyncpg.Record]:
    """The participant's enrolments with their session, course, position and outcome."""
    return await con.fetch(  # type: ignore[no-any-return]
        """SELECT e.enrolment_id, e.status, e.seat, e.reason, c.outcome,
                  s.session_id, s.status AS session_status, s.start_date, s.end_date,
                  s.country, s.city, s.venue, s.timezone, s.mode, s.languages,
                  co.title, co.materials,
                  CASE WHEN e.status = 'waitlisted' THEN
                    (SELECT count(*) FROM enrolments w WHERE w.session_id = e.session_id
                       AND w.status = 'waitlisted'
                       AND (w.queue_key, w.enrolment_id) <= (e.queue_key, e.enrolment_id)) END
                    AS position
           FROM enrolments e
           JOIN sessions s USING (session_id)
           LEFT JOIN courses co ON co.course_id = s.course_id
           LEFT JOIN completions c USING (enrolment_id)
           WHERE e.participant_id = $1
           ORDER BY s.start_date DESC, e.requested_at DESC, e.enrolment_id""",
        participant_id,
    )


async def page_certificates(con: Con, participant_id: str) -> list[asyncpg.Record]:
    return await con.fetch(  # type: ignore[no-any-return]
        """SELECT c.*, co.title, r.revoked_at
           FROM certificates c
           LEFT JOIN courses co USING (course_id)
           LEFT JOIN certificate_revocations r USING (certificate_id)
           WHERE c.participant_id = $1
           ORDER BY c.issued_at DESC, c.certificate_id""",
        participant_id,
    )


# --- erasure (see erasure.py) --------------------------------------------------------------


async def live_enrolments_not_started(
    con: Con, participant_id: str, at: datetime
) -> list[asyncpg.Record]:
    """The participant's live enrolments in sessions whose first day is after `at`
    (in the session's own time zone), in queue order."""
    return await con.fetch(  # type: ignore[no-any-return]
        """SELECT e.* FROM enrolments e JOIN sessions s USING (session_id)
           WHERE e.participant_id = $1 AND e.status IN ('confirmed', 'waitlisted')
             AND s.status = 'scheduled'
             AND s.start_date > ($2::timestamptz AT TIME ZONE coalesce(s.timezone, 'UTC'))::date
           ORDER BY e.queue_key, e.enrolment_id""",
        participant_id,
        at,
    )


async def forget_participant(con: Con, participant_id: str, at: datetime) -> None:
    await con.execute(
        """UPDATE participants SET given_name = NULL, family_name = NULL, email = NULL,
                  erased_at = coalesce(erased_at, $2)
           WHERE participant_id = $1""",
        participant_id,
        at,
    )


async def export_participant(con: Con, participant_id: str) -> dict[str, Any]:
    """Everything this service holds about one participant (right of access)."""
    return await held_rows(con, participant_id, _HELD)


_HELD = {
    **tables_by_participant(
        participant="participants",
        enrolments="enrolments",
        attendance="attendance",
        assessments="assessments",
        evaluations="evaluations",
    ),
    "completions": """SELECT c.* FROM completions c JOIN enrolments e USING (enrolment_id)
       WHERE e.participant_id = $1""",
    **tables_by_participant(certificates="certificates", link_requests="link_requests"),
}
