"""The organisers' daily digest: the day's changes of their sessions in one e-mail."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import timedelta
from typing import Any

import asyncpg
import structlog
from cohort_contracts.privacy import ERASED_TEXT

from . import store
from .domain import choose_language, delivery_id
from .messages import compose, localised
from .notifier import Notifier

log = structlog.get_logger(__name__)
_DIGEST = uuid.UUID("8d7d3c1e-2a7b-4e51-9b0a-0f5d9e0c7a11")
# How an erased participant appears to the organiser: stored as ERASED_TEXT (by the
# erasure, and by handlers for changes after it), rendered in the digest's language.
ERASED_LABEL = {
    "en": "a participant whose personal data was erased",
    "fr": "un participant dont les données personnelles ont été effacées",
    "ar": "مشارك تم محو بياناته الشخصية",
}


def who_label(who: str | None, lang: str) -> str | None:
    """The name shown for an item: the neutral label for an erased person, never a name
    pieced together from cleared fields."""
    if who == ERASED_TEXT:
        return ERASED_LABEL.get(lang, ERASED_LABEL["en"])
    return who


async def make_digests(pool: asyncpg.Pool, n: Notifier) -> int:
    """Turn the pending items of finished days (or today too, if so set) into deliveries.

    A day must be over by the wall clock in the session's time zone (items are dated in
    it), and also by event time: while items keep coming, only days before the latest day
    seen in the events are digested, so a history replayed years later groups exactly the
    same items into the same digests as the first run. Once no item has come for
    `digest_quiet_seconds`, the remaining finished days go out too.
    """
    days_back = 0 if n.settings.digest_include_today else 1
    made = 0
    async with pool.acquire() as con, con.transaction():
        progress = await store.digest_progress(con)
        if progress["latest_day"] is None:
            return 0
        until = None
        if float(progress["idle_seconds"]) < n.settings.digest_quiet_seconds:
            until = progress["latest_day"] - timedelta(days=1)
        # "Today" is the session's: an item's day is a local date (`Notifier.digest`), which
        # east of UTC is already tomorrow's date by the UTC clock in the evening.
        items = await store.claim_digest_items(con, n.clock(), days_back, until)
        groups: dict[tuple[str, Any], list[Any]] = defaultdict(list)
        for item in items:
            groups[(item["organiser_email"], item["day"])].append(item)
        for (organiser, day), rows in groups.items():
            made += await _one(con, organiser, day, rows)
        if items:
            await store.mark_digested(con, [i["item_id"] for i in items])
    return made


async def _one(con: asyncpg.Connection, organiser: str, day: Any, rows: list[Any]) -> int:
    by_session: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_session[r["session_id"]].append(r)
    first = await store.session(con, rows[0]["session_id"])
    lang = choose_language(None, first["languages"] if first else None)
    groups = []
    for session_id, items in by_session.items():
        s = await store.session(con, session_id)
        course = await store.course(con, s["course_id"]) if s else None
        title = localised(course["title"] if course else None, lang, session_id)
        groups.append(
            {
                "title": title,
                "city": s["city"] if s else "",
                "items": [
                    {"kind": i["kind"], "who": who_label(i["detail"].get("who"), lang)}
                    for i in items
                ],
            }
        )
    rendered = compose("organiser_digest", lang, {"day": day, "groups": groups})
    key = "|".join(sorted(r["item_id"] for r in rows))
    cause = str(uuid.uuid5(_DIGEST, f"{organiser}|{day}|{key}"))
    return int(
        await store.insert_delivery(
            con,
            {
                "delivery_id": delivery_id(cause, organiser, "email"),
                "cause_id": cause,
                "recipient": organiser,
                "channel": "email",
                "address": organiser,
                "template": "organiser_digest",
                "language": lang,
                "agency": rows[0]["agency"],
                "subject": rendered.subject,
                "body_text": rendered.text,
                "body_html": rendered.html,
            },
        )
    )


async def run(pool: asyncpg.Pool, n: Notifier) -> None:
    while True:
        try:
            await make_digests(pool, n)
        except Exception as exc:
            log.warning("digest round failed", error=repr(exc))
        await asyncio.sleep(n.settings.digest_poll_seconds)
