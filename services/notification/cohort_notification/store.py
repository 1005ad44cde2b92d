"""All the notification service's SQL."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, datetime
from typing import Any

import asyncpg
from cohort_kit.access import held_rows, tables_by_participant

from .domain import choose_language, delivery_id

Con = Any  # an asyncpg connection (or pool-proxied connection)
DELIVERY_WAKE = "cohort_notification_deliveries"


async def upsert_course(con: Con, p: Any) -> None:
    await con.execute(
        """INSERT INTO courses (course_id, programme, title) VALUES ($1, $2, $3)
           ON CONFLICT (course_id) DO UPDATE SET programme = $2, title = $3""",
        p.course_id,
        p.programme,
        dict(p.title),
    )


async def upsert_session(con: Con, p: Any, agency: str) -> None:
    await con.execute(
        """INSERT INTO sessions (session_id, agency, course_id, office, country, city, venue,
               start_date, end_date, timezone, mode, languages, organiser_email)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (session_id) DO UPDATE SET course_id = $3, office = $4, country = $5,
               city = $6, venue = $7, start_date = $8, end_date = $9, timezone = $10,
               mode = $11, languages = $12, organiser_email = $13""",
        p.session_id,
        agency,
        p.course_id,
        p.office,
        p.country,
        p.city,
        p.venue,
        p.start_date,
        p.end_date,
        p.timezone,
        p.mode,
        list(p.languages),
        str(p.organiser_email),
    )


async def reschedule_session(con: Con, session_id: str, changes: dict[str, Any]) -> None:
    allowed = ("start_date", "end_date", "venue", "city", "timezone", "mode")
    for column in allowed:  # fixed column names, values as parameters
        if column in changes and changes[column] is not None:
            await con.execute(
                f"UPDATE sessions SET {column} = $2 WHERE session_id = $1",
                session_id,
                changes[column],
            )


async def set_session_status(con: Con, session_id: str, status: str, reason: str | None) -> None:
    await con.execute(
        "UPDATE sessions SET status = $2, cancel_reason = coalesce($3, cancel_reason) "
        "WHERE session_id = $1",
        session_id,
        status,
        reason,
    )


async def session(con: Con, session_id: str | None) -> asyncpg.Record | None:
    if session_id is None:
        return None
    return await con.fetchrow("SELECT * FROM sessions WHERE session_id = $1", session_id)


async def course(con: Con, course_id: str) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM courses WHERE course_id = $1", course_id)


async def upsert_participant(con: Con, p: Any, agency: str) -> None:
    await con.execute(
        """INSERT INTO participants (participant_id, agency, given_name, family_name, email,
               phone, preferred_language, consent_contact)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (participant_id) DO UPDATE SET given_name = $3, family_name = $4,
               email = $5, phone = $6, preferred_language = $7, consent_contact = $8,
               erased_at = NULL""",
        p.participant_id,
        agency,
        p.given_name,
        p.family_name,
        str(p.email),
        p.phone,
        p.preferred_language,
        p.consent.contact,
    )


async def participant(con: Con, participant_id: str | None) -> asyncpg.Record | None:
    if participant_id is None:
        return None
    return await con.fetchrow(
        "SELECT * FROM participants WHERE participant_id = $1", participant_id
    )


async def upsert_enrolment(
    con: Con,
    enrolment_id: str,
    session_id: str | None,
    participant_id: str | None,
    status: str,
    reason: str | None = None,
) -> None:
    await con.execute(
        """INSERT INTO enrolments (enrolment_id, session_id, participant_id, status, reason)
           VALUES ($1, coalesce($2, ''), coalesce($3, ''), $4, $5)
           ON CONFLICT (enrolment_id) DO UPDATE SET
               session_id = coalesce($2, enrolments.session_id),
               participant_id = coalesce($3, enrolments.participant_id),
               status = CASE WHEN $4 = 'requested' THEN enrolments.status ELSE $4 END,
               reason = coalesce($5, enrolments.reason)""",
        enrolment_id,
        session_id,
        participant_id,
        status,
        reason,
    )


async def enrolment(con: Con, enrolment_id: str) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM enrolments WHERE enrolment_id = $1", enrolment_id)


async def enrolments_of(con: Con, session_id: str) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT * FROM enrolments WHERE session_id = $1 ORDER BY enrolment_id", session_id
    )


async def confirmed_enrolment(
    con: Con, session_id: str, participant_id: str
) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM enrolments WHERE session_id = $1 AND participant_id = $2 "
        "AND status = 'confirmed'",
        session_id,
        participant_id,
    )


# --- page links -----------------------------------------------------------------------


async def add_page_link(
    con: Con, event_id: str, participant_id: str, link: str, expires_at: datetime, cause: str | None
) -> None:
    await con.execute(
        """INSERT INTO page_links (event_id, participant_id, link, expires_at, cause)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING""",
        event_id,
        participant_id,
        link,
        expires_at,
        cause,
    )


async def page_link_for(con: Con, cause: str, participant_id: str) -> asyncpg.Record | None:
    """The link made for one message: same cause, same participant."""
    return await _longest_link(con, "cause = $1 AND participant_id = $2", cause, participant_id)


async def latest_page_link(con: Con, participant_id: str, now: datetime) -> asyncpg.Record | None:
    """The participant's link that stays valid longest, if one is still valid at `now`."""
    return await _longest_link(con, "participant_id = $1 AND expires_at > $2", participant_id, now)


async def _longest_link(con: Con, where: str, *args: Any) -> asyncpg.Record | None:
    """Of the links `where` (a fixed condition on $1, $2...) selects, the one that stays
    valid longest (the later received of equals)."""
    return await con.fetchrow(
        f"SELECT * FROM page_links WHERE {where} "
        "ORDER BY expires_at DESC, received_at DESC LIMIT 1",
        *args,
    )


async def page_link(
    con: Con, cause: str | None, participant_id: str, now: datetime
) -> asyncpg.Record | None:
    """`page_link_for` when it finds one, else `latest_page_link`: in one round trip."""
    return await con.fetchrow(
        "SELECT * FROM page_links WHERE participant_id = $2 AND (cause = $1 OR expires_at > $3) "
        "ORDER BY (cause = $1) IS TRUE DESC, expires_at DESC, received_at DESC LIMIT 1",
        cause,
        participant_id,
        now,
    )


async def has_page_links(con: Con, participant_id: str) -> bool:
    """Whether links were ever made for this participant (i.e. enrolment makes links)."""
    return bool(
        await con.fetchval(
            "SELECT EXISTS (SELECT 1 FROM page_links WHERE participant_id = $1)", participant_id
        )
    )


# --- deliveries -----------------------------------------------------------------------


async def insert_delivery(con: Con, row: dict[str, Any]) -> bool:
    """Add one delivery; False when (cause, recipient, channel) already has one."""
    # The wake-up (delivered at commit) in the same statement: one round trip, not two.
    inserted = await con.fetchval(
        """WITH added AS (
               INSERT INTO deliveries (delivery_id, cause_id, recipient, channel, address,
                   template, language, agency, correlationid, session_id, participant_id,
                   subject, body_text, body_html, attachments, secret_ref)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
               ON CONFLICT DO NOTHING RETURNING true)
           SELECT count(*) > 0 FROM (SELECT pg_notify($17, '') FROM added) AS woken""",
        row["delivery_id"],
        row["cause_id"],
        row["recipient"],
        row["channel"],
        row["address"],
        row["template"],
        row["language"],
        row["agency"],
        row.get("correlationid"),
        row.get("session_id"),
        row.get("participant_id"),
        row["subject"],
        row["body_text"],
        row.get("body_html"),
        row.get("attachments", []),
        row.get("secret_ref"),
        DELIVERY_WAKE,
    )
    return bool(inserted)


CLAIM = """
UPDATE deliveries d SET claimed_until = now() + make_interval(secs => $2),
       attempts = d.attempts + 1, in_doubt = (d.claimed_until IS NOT NULL)
WHERE d.delivery_id IN (
    SELECT delivery_id FROM deliveries
    WHERE status = 'pending' AND next_attempt_at <= now()
      AND (claimed_until IS NULL OR claimed_until < now())
    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING d.*
"""


async def claim(con: Con, batch: int, lease_seconds: float) -> list[asyncpg.Record]:
    return await con.fetch(CLAIM, batch, lease_seconds)


async def mark_sent(con: Con, delivery_id: str) -> None:
    await con.execute(
        "UPDATE deliveries SET status = 'sent', sent_at = now(), claimed_until = NULL, "
        "last_error = NULL WHERE delivery_id = $1",
        delivery_id,
    )


async def mark_retry(con: Con, delivery_id: str, delay: float, error: str) -> None:
    await con.execute(
        "UPDATE deliveries SET next_attempt_at = now() + make_interval(secs => $2), "
        "claimed_until = NULL, last_error = $3 WHERE delivery_id = $1",
        delivery_id,
        delay,
        error,
    )


async def mark_failed(con: Con, delivery_id: str, error: str) -> None:
    await con.execute(
        "UPDATE deliveries SET status = 'failed', claimed_until = NULL, last_error = $2 "
        "WHERE delivery_id = $1",
        delivery_id,
        error,
    )


async def deliveries_where(
    con: Con, column: str, value: str, *, agencies: Collection[str]
) -> list[asyncpg.Record]:
    """Deliveries of one participant, session or id, of `agencies` only (the caller's)."""
    assert column in ("participant_id", "session_id", "delivery_id")
    return await con.fetch(
        f"""SELECT * FROM deliveries WHERE {column} = $1 AND agency = ANY($2::text[])
            ORDER BY created_at, delivery_id""",
        value,
        list(agencies),
    )


# --- reminders ------------------------------------------------------------------------


async def set_reminder(
    con: Con,
    subject: str,
    session_id: str,
    participant_id: str,
    label: str,
    due_at: datetime,
    start_date: date,
) -> None:
    await con.execute(
        """INSERT INTO reminders (schedule_subject, session_id, participant_id, label, due_at,
               start_date, state) VALUES ($1, $2, $3, $4, $5, $6, 'scheduled')
           ON CONFLICT (schedule_subject) DO UPDATE SET due_at = $5, start_date = $6,
               state = 'scheduled'""",
        subject,
        session_id,
        participant_id,
        label,
        due_at,
        start_date,
    )


async def void_reminders(
    con: Con, session_id: str, participant_id: str | None = None, subjects: list[str] | None = None
) -> int:
    result = await con.execute(
        """UPDATE reminders SET state = 'void' WHERE session_id = $1 AND state = 'scheduled'
           AND ($2::text IS NULL OR participant_id = $2)
           AND ($3::text[] IS NULL OR schedule_subject = any($3::text[]))""",
        session_id,
        participant_id,
        subjects,
    )
    await con.execute("SELECT pg_notify($1, '')", DELIVERY_WAKE)
    return int(result.split()[-1])


async def reminder(con: Con, subject: str) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM reminders WHERE schedule_subject = $1", subject)


async def reminders(con: Con, subjects: list[str]) -> dict[str, asyncpg.Record]:
    rows = await con.fetch(
        "SELECT * FROM reminders WHERE schedule_subject = any($1::text[])", subjects
    )
    return {row["schedule_subject"]: row for row in rows}


async def claim_void_reminders(con: Con, batch: int) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT schedule_subject FROM reminders WHERE state = 'void' "
        "LIMIT $1 FOR UPDATE SKIP LOCKED",
        batch,
    )


async def mark_purged(con: Con, subjects: list[str]) -> None:
    await con.execute(
        "UPDATE reminders SET state = 'purged' WHERE schedule_subject = any($1::text[])",
        subjects,
    )


# --- digest ---------------------------------------------------------------------------


async def add_digest_item(con: Con, item: dict[str, Any]) -> None:
    await con.execute(
        """INSERT INTO digest_items (item_id, organiser_email, session_id, agency, day, kind,
               detail) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
        item["item_id"],
        item["organiser_email"],
        item["session_id"],
        item["agency"],
        item["day"],
        item["kind"],
        item.get("detail", {}),
    )


async def claim_digest_items(
    con: Con, now: datetime, days_back: int, until: date | None
) -> list[asyncpg.Record]:
    """Items of days that are over: `days_back` days before today *in the session's time
    zone* (an item's day is a local date), and not after `until` (event time) if given."""
    return await con.fetch(
        """SELECT d.* FROM digest_items d LEFT JOIN sessions s USING (session_id)
           WHERE NOT d.digested AND ($3::date IS NULL OR d.day <= $3)
             AND d.day <= ($1::timestamptz AT TIME ZONE coalesce(s.timezone, 'UTC'))::date - $2::int
           ORDER BY d.organiser_email, d.day, d.session_id, d.item_id
           FOR UPDATE OF d SKIP LOCKED""",
        now,
        days_back,
        until,
    )


async def digest_progress(con: Con) -> asyncpg.Record:
    """The latest day any item is about, and how long ago the last item was recorded."""
    return await con.fetchrow(
        """SELECT max(day) AS latest_day,
                  extract(epoch FROM now() - max(added_at)) AS idle_seconds
           FROM digest_items"""
    )


async def mark_digested(con: Con, item_ids: list[str]) -> None:
    await con.execute(
        "UPDATE digest_items SET digested = true WHERE item_id = any($1::text[])", item_ids
    )


def dumps(value: Any) -> str:
    return json.dumps(value, default=str)


# --- erasure (see erasure.py) --------------------------------------------------------------


async def forget_participant(con: Con, participant_id: str, at: datetime) -> asyncpg.Record | None:
    """Clear the person's names and contacts; return what they were (to scrub copies)."""
    return await con.fetchrow(
        """UPDATE participants p SET given_name = NULL, family_name = NULL, email = NULL,
                  phone = NULL,
                  erased_at = coalesce(p.erased_at, $2)
           FROM (SELECT participant_id, given_name, family_name, email, phone
                 FROM participants WHERE participant_id = $1 FOR UPDATE) old
           WHERE p.participant_id = old.participant_id
           RETURNING old.given_name, old.family_name, old.email, old.phone""",
        participant_id,
        at,
    )


async def forget_deliveries(con: Con, participant_id: str) -> int:
    """Deliveries keep who, what template, when and how it went; never the address or
    the text. One still pending is cancelled."""
    result = await con.execute(
        """UPDATE deliveries SET address = '', subject = '', body_text = '', body_html = NULL,
                  attachments = '[]'::jsonb, last_error = NULL,
                  status = CASE WHEN status = 'pending' THEN 'cancelled' ELSE status END
           WHERE participant_id = $1""",
        participant_id,
    )
    return int(result.split()[-1])


async def void_all_reminders(con: Con, participant_id: str) -> None:
    """The purge loop then removes their schedules from the stream (reminders.py)."""
    await con.execute(
        "UPDATE reminders SET state = 'void' WHERE participant_id = $1 AND state = 'scheduled'",
        participant_id,
    )


async def forget_page_links(con: Con, participant_id: str) -> None:
    await con.execute("DELETE FROM page_links WHERE participant_id = $1", participant_id)


async def forget_name_in_organiser_copies(con: Con, participant_id: str, name: str) -> None:
    """Organisers' digests name participants: the items keep `[erased]` instead (rendered
    as a neutral label, digest.py), the rendered digests of the person's sessions too."""
    sessions = "SELECT session_id FROM enrolments WHERE participant_id = $1"
    await con.execute(
        f"""UPDATE digest_items SET detail = detail || '{{"who": "[erased]"}}'::jsonb,
                   item_id = replace(item_id, '|' || $2, '|[erased]')
            WHERE detail->>'who' = $2 AND session_id IN ({sessions})""",
        participant_id,
        name,
    )
    await con.execute(
        f"""UPDATE deliveries SET subject = replace(subject, $2, '[erased]'),
                  body_text = replace(body_text, $2, '[erased]'),
                  body_html = replace(body_html, $2, '[erased]')
            WHERE participant_id IS NULL AND session_id IN ({sessions})""",
        participant_id,
        name,
    )


async def forget_published_outbox(con: Con, needles: list[str]) -> None:
    """Published outbox rows are history the stream already holds; drop those that quote
    the person (a failure's error text may carry the address)."""
    await con.execute(
        """DELETE FROM outbox WHERE published_at IS NOT NULL
             AND EXISTS (SELECT 1 FROM unnest($1::text[]) n
                         WHERE position(convert_to(n, 'UTF8') IN body) > 0)""",
        needles,
    )


async def export_participant(con: Con, participant_id: str) -> dict[str, Any]:
    """Everything this service holds about one participant (right of access)."""
    return await held_rows(
        con,
        participant_id,
        tables_by_participant(
            participant="participants",
            enrolments="enrolments",
            deliveries="deliveries",
            reminders="reminders",
            page_links="page_links",
        ),
    )


async def unsubscribe(con: Con, org: str, address: str) -> None:
    await con.execute(
        "INSERT INTO report_unsubscribed (org, address) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        org,
        address,
    )


async def insert_erased_delivery(
    con: Con, cause: Any, template: str, participant: Any, session: Any
) -> int:
    """A decision about a person already erased: its e-mail delivery as the erasure leaves
    one (`forget_deliveries`): cancelled, no address, no text. Live, the decision may be
    handled before or after the erasure (two consumers); a replay handles it after: both
    keep the same record, and nothing is sent either way."""
    pid = participant["participant_id"]
    languages = session["languages"] if session is not None else None
    inserted = await con.fetchval(
        """INSERT INTO deliveries (delivery_id, cause_id, recipient, channel, address, template,
               language, agency, correlationid, session_id, participant_id, subject, body_text,
               status)
           VALUES ($1, $2, $3, 'email', '', $4, $5, $6, $7, $8, $3, '', '', 'cancelled')
           ON CONFLICT DO NOTHING RETURNING true""",
        delivery_id(cause.id, pid, "email"),
        cause.id,
        pid,
        template,
        choose_language(participant["preferred_language"], languages),
        session["agency"] if session is not None else participant["agency"],
        cause.correlationid or cause.id,
        session["session_id"] if session is not None else None,
    )
    return int(bool(inserted))


async def recheck_claimed(con: Con, delivery_id: str) -> str:
    """Just before a claimed delivery is sent, under its row lock: `send`, or why not.

    The claim is committed before the send, so an erasure can come in between: it cancels
    the row (still `pending` while claimed) and clears it. The send path drops such a row,
    and one whose recipient is erased but not yet cancelled is cancelled here exactly as the
    erasure does (`forget_deliveries`), so live and rebuilt states agree."""
    # One statement (atomic on its own, no transaction round trips): the row locked, read,
    # and cleared when its recipient is erased.
    row = await con.fetchrow(
        """WITH r AS (
               SELECT d.delivery_id, d.status, p.erased_at IS NOT NULL AS erased
               FROM deliveries d LEFT JOIN participants p ON p.participant_id = d.participant_id
               WHERE d.delivery_id = $1 FOR UPDATE OF d),
           cleared AS (
               UPDATE deliveries SET address = '', subject = '', body_text = '',
                      body_html = NULL, attachments = '[]'::jsonb, last_error = NULL,
                      claimed_until = NULL,
                      status = CASE WHEN deliveries.status = 'pending' THEN 'cancelled'
                                    ELSE deliveries.status END
               FROM r WHERE deliveries.delivery_id = r.delivery_id AND r.erased
               RETURNING 1)
           SELECT status, erased FROM r""",
        delivery_id,
    )
    if row is None:
        return "gone"
    if row["erased"]:
        return "erased"
    return "send" if row["status"] == "pending" else str(row["status"])


async def forget_unsubscribed_address(con: Con, address: str) -> None:
    await con.execute("DELETE FROM report_unsubscribed WHERE address = $1", address)


async def unsubscribed(con: Con, org: str, address: str) -> bool:
    return bool(
        await con.fetchval(
            "SELECT true FROM report_unsubscribed WHERE org = $1 AND address = $2", org, address
        )
    )
