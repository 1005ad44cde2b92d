"""From a published report to its deliveries: one per (report, contact, channel).

Runs inside the unit's transaction, no network I/O. The e-mail carries a short summary in
words in the contact's language and the report's PDF (and XLSX when asked) as attachments
fetched by the delivery worker from reporting's `/reports/published/{id}`, so the files are
made by reporting's own export code from the report as published. A webhook gets the whole
report event, signed with the subscription's secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import quote

import asyncpg
from babel.numbers import format_decimal
from cohort_contracts import CloudEvent
from cohort_kit.reportlinks import report_link_signature

from . import store
from .domain import delivery_id
from .render import render
from .settings import NotificationSettings
from .subscriptions import Registry, Subscriber

TEMPLATE = "report_published"
MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def unsubscribe_token(secret: str, org: str, address: str) -> str:
    payload = base64.urlsafe_b64encode(json.dumps([org, address]).encode()).decode().rstrip("=")
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{payload}.{mac}"


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str] | None:
    payload, _, mac = token.partition(".")
    good = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]
    # Compared as bytes: compare_digest refuses non-ASCII text, and a token is what a
    # stranger may type (a forged one is refused, not a 500).
    if not hmac.compare_digest(mac.encode(), good.encode()):
        return None
    org, address = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(org), str(address)


def summary(report: dict[str, Any], lang: str) -> dict[str, Any]:
    """The numbers the e-mail says in words (None = suppressed: fewer than 5 people)."""
    f = report["figures"]
    p, c = f.get("participants", {}), f.get("completion", {})

    def num(value: Any) -> str | None:
        return None if value is None else format_decimal(value, locale=lang)

    return {
        "trained": num(p.get("trained")),
        "women": num(p.get("by_sex", {}).get("female")),
        "sessions": num(f.get("sessions", {}).get("delivered", 0)),
        "rate": num(c.get("rate_percent")),
        "certificates": num(f.get("certificates", {}).get("issued")),
    }


def _scope_label(report: dict[str, Any], sub: Subscriber) -> str:
    scope = report["scope"]
    return sub.name or next(str(v) for v in scope.values() if v)


async def queue(
    con: asyncpg.Connection,
    cause: CloudEvent,
    report: dict[str, Any],
    registry: Registry,
    settings: NotificationSettings,
) -> int:
    """Add the deliveries of one report for every subscriber of its scope."""
    added = 0
    rid = report["report_id"]
    for sub in registry.for_scope(report["scope"]):
        s = sub.subscription
        if await store.unsubscribed(con, sub.org, s.address):
            continue
        recipient = f"{sub.org}:{s.address}"
        row: dict[str, Any]
        base: dict[str, Any] = {
            "cause_id": cause.id,
            "recipient": recipient,
            "channel": s.channel,
            "address": s.address,
            "template": TEMPLATE,
            "language": s.language,
            "agency": cause.agency,
            "correlationid": cause.correlationid or cause.id,
            "delivery_id": delivery_id(cause.id, recipient, s.channel),
        }
        if s.channel == "report_webhook":
            row = {
                **base,
                "subject": f"{report['kind']} {rid}",
                "body_text": cause.model_dump_json(by_alias=True),
                "secret_ref": s.secret_env,
            }
        else:
            assert settings.unsubscribe_secret and settings.report_files_secret  # settings check
            token = quote(unsubscribe_token(settings.unsubscribe_secret, sub.org, s.address))
            sig = report_link_signature(settings.report_files_secret, rid)
            context = {
                "kind": report["kind"],
                "scope": _scope_label(report, sub),
                "start": report["period"]["start"],
                "end": report["period"]["end"],
                "n": summary(report, s.language),
                "unsubscribe": f"{settings.public_url}/notifications/unsubscribe?token={token}",
            }
            rendered = render(TEMPLATE, s.language, context)
            url = f"{settings.reports_base_url}/reports/published/{quote(rid, safe='')}"
            name = rid.split(":")[-1]
            row = {
                **base,
                "subject": rendered.subject,
                "body_text": rendered.text,
                "body_html": rendered.html,
                "attachments": [
                    {
                        "url": f"{url}?format={fmt}&sig={sig}",
                        "content_type": MEDIA[fmt],
                        "filename": f"{name}.{fmt}",
                        "required": "yes",  # a report e-mail is not sent without its files
                    }
                    for fmt in s.formats
                ],
            }
        added += await store.insert_delivery(con, row)
    return added
