"""Channels: e-mail over SMTP, SMS through an HTTP gateway, signed webhooks to agencies.

Each `send` either returns (accepted) or raises `DeliveryError(permanent=...)`: transient
failures (SMTP 4xx, connection refused, time-outs, HTTP 5xx) are retried with back-off;
permanent ones (SMTP 5xx, invalid address, HTTP 4xx) fail the delivery for good.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any, Protocol

import aiosmtplib
import httpx
import structlog

from .domain import DeliveryError, http_status_is_permanent, message_id, smtp_code_is_permanent
from .settings import NotificationSettings
from .smtppool import SmtpPool

log = structlog.get_logger(__name__)


class Channel(Protocol):
    async def send(self, delivery: Any) -> None: ...


def _address_ok(address: str) -> bool:
    _, addr = parseaddr(address)
    local, _, domain = addr.rpartition("@")
    return bool(local) and "." in domain and addr == address.strip()


class EmailChannel:
    def __init__(self, settings: NotificationSettings, http: httpx.AsyncClient) -> None:
        self.s = settings
        self.http = http
        self.smtp = SmtpPool(settings)  # sessions reused across deliveries

    async def aclose(self) -> None:
        await self.smtp.aclose()

    async def build(self, d: Any) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.s.mail_from
        msg["To"] = d["address"]
        msg["Subject"] = d["subject"]
        msg["Message-ID"] = message_id(d["delivery_id"], self.s.message_id_domain)
        msg["Date"] = format_datetime(d["created_at"])
        msg["X-Cohort-Template"] = d["template"]
        msg.set_content(d["body_text"])
        if d["body_html"]:
            msg.add_alternative(d["body_html"], subtype="html")
        for att in d["attachments"]:
            data = await self._attachment_bytes(att)
            if data is None:
                continue
            maintype, _, rest = att["content_type"].partition("/")
            subtype = rest.split(";")[0].strip()
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=att["filename"])
        msg["Content-Language"] = d["language"]  # after the body: set_content drops it
        return msg

    async def _attachment_bytes(self, att: dict[str, str]) -> bytes | None:
        if "data_base64" in att:
            return base64.b64decode(att["data_base64"])
        if att.get("required"):
            return await self._required(att["url"])
        if "url" in att and self.s.attach_certificate_pdf:
            # The PDF is a convenience: unreachable means the message keeps only the link.
            try:
                resp = await self.http.get(att["url"], timeout=self.s.http_timeout)
                if resp.status_code == 200 and resp.content:
                    return resp.content
                log.info("attachment not attached", url=att["url"], status=resp.status_code)
            except httpx.HTTPError as exc:
                log.info("attachment unreachable; link only", url=att["url"], error=repr(exc))
        return None

    async def _required(self, url: str) -> bytes:
        """A file the message is not sent without (a report's PDF): unreachable is retried."""
        try:
            resp = await self.http.get(url, timeout=self.s.http_timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"attachment {url}: {exc!r}", permanent=False) from None
        if resp.status_code != 200 or not resp.content:
            raise DeliveryError(
                f"attachment {url}: http {resp.status_code}",
                permanent=http_status_is_permanent(resp.status_code)
                and resp.status_code != 404,  # 404: reporting may not have committed it yet
            )
        return resp.content

    async def send(self, d: Any) -> None:
        if not _address_ok(d["address"]):
            raise DeliveryError(f"invalid address {d['address']!r}", permanent=True)
        msg = await self.build(d)
        try:
            await self.smtp.send(msg)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            permanent = all(smtp_code_is_permanent(c) for c in codes)
            raise DeliveryError(f"recipient refused: {exc}", permanent=permanent) from None
        except aiosmtplib.SMTPResponseException as exc:
            permanent = smtp_code_is_permanent(exc.code)
            raise DeliveryError(f"{exc.code} {exc.message}", permanent=permanent) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"smtp: {exc!r}", permanent=False) from None


async def _post(http: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        resp = await http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"http: {exc!r}", permanent=False) from None
    if resp.status_code >= 300:
        raise DeliveryError(
            f"http {resp.status_code}: {resp.text[:200]}",
            permanent=http_status_is_permanent(resp.status_code),
        )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>")."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookChannel:
    """A signed JSON copy of a participant message, POSTed to the agency's system."""

    def __init__(self, settings: NotificationSettings, http: httpx.AsyncClient) -> None:
        self.s = settings
        self.http = http

    async def send(self, d: Any) -> None:
        body = json.dumps(
            {
                "delivery_id": d["delivery_id"],
                "cause": d["cause_id"],
                "participant_id": d["participant_id"],
                "session_id": d["session_id"],
                "template": d["template"],
                "language": d["language"],
                "subject": d["subject"],
                "text": d["body_text"],
            },
            ensure_ascii=False,
        ).encode()
        ts = str(int(time.time()))
        if self.s.webhook_secret is None:  # settings refuse webhook_urls without one
            raise RuntimeError("COHORT_WEBHOOK_SECRET is not set")
        headers = {
            "content-type": "application/json",
            "x-cohort-timestamp": ts,
            "x-cohort-signature": sign(self.s.webhook_secret, ts, body),
            "x-cohort-delivery": d["delivery_id"],
        }
        await _post(self.http, d["address"], body, headers)


class ReportWebhookChannel:
    """A report event POSTed to a subscriber's system, signed with that subscription's secret
    (read from the environment variable the registry names: the registry holds no secret)."""

    def __init__(self, settings: NotificationSettings, http: httpx.AsyncClient) -> None:
        self.s = settings
        self.http = http

    async def send(self, d: Any) -> None:
        secret = os.environ.get(d["secret_ref"] or "")
        if not secret:
            raise DeliveryError(f"webhook secret {d['secret_ref']} is not set", permanent=True)
        body = d["body_text"].encode()
        ts = str(int(time.time()))
        headers = {
            "content-type": "application/cloudevents+json",
            "x-cohort-timestamp": ts,
            "x-cohort-signature": sign(secret, ts, body),
            "x-cohort-delivery": d["delivery_id"],
        }
        await _post(self.http, d["address"], body, headers)


class SmsChannel:
    def __init__(self, settings: NotificationSettings, http: httpx.AsyncClient) -> None:
        self.s = settings
        self.http = http

    async def send(self, d: Any) -> None:
        if not self.s.sms_gateway_url:
            raise DeliveryError("no SMS gateway configured", permanent=True)
        body = json.dumps(
            {"to": d["address"], "text": d["body_text"], "reference": d["delivery_id"]},
            ensure_ascii=False,
        ).encode()
        headers = {"content-type": "application/json"}
        if self.s.sms_gateway_token:
            headers["authorization"] = f"Bearer {self.s.sms_gateway_token}"
        await _post(self.http, self.s.sms_gateway_url, body, headers)
