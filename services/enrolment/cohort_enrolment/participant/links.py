"""Signed links to a participant's page: HMAC-SHA256 over the participant id and the expiry.

A token is `v1.<participant id, base64url>.<expiry, unix seconds>.<HMAC-SHA256, base64url>`.
It is a bearer capability: whoever holds it sees that one participant's page until it
expires. Nothing is stored per link, so any replica verifies any link, and rotating the
secret revokes every link at once.

Why not itsdangerous: its timed serializers sign the *signing* time and take the maximum
age when a link is checked, so a link cannot carry its own expiry (a confirmation link that
lasts until after the training), and they default to SHA-1. What is needed is one HMAC
and a constant-time comparison, which the standard library gives (`hmac`, `base64`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from urllib.parse import urlencode

VERSION = "v1"
PAGE_PATH = "/me"


class Refusal(Enum):
    """Why a link does not open a page (never whether the participant exists)."""

    INVALID = "invalid"  # malformed or tampered (or of an unknown participant)
    EXPIRED = "expired"  # genuine, but past its expiry


@dataclass(frozen=True)
class Opened:
    participant_id: str
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Signer:
    secret: str

    def _mac(self, participant_id: str, expiry: int) -> bytes:
        message = f"cohort-participant-page|{VERSION}|{participant_id}|{expiry}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).digest()

    def token(self, participant_id: str, expires_at: datetime) -> str:
        expiry = int(expires_at.timestamp())
        mac = self._mac(participant_id, expiry)
        return f"{VERSION}.{_b64(participant_id.encode())}.{expiry}.{_b64(mac)}"

    def open(self, token: str, now: datetime) -> Opened | Refusal:
        """The participant a token was made for, or why it is refused."""
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != VERSION or not parts[2].isdigit() or len(token) > 600:
            return Refusal.INVALID
        try:
            participant_id = _unb64(parts[1]).decode()
            mac = _unb64(parts[3])
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return Refusal.INVALID
        expiry = int(parts[2])
        if not hmac.compare_digest(mac, self._mac(participant_id, expiry)):
            return Refusal.INVALID
        expires_at = datetime.fromtimestamp(expiry, UTC)
        if expires_at <= now:
            return Refusal.EXPIRED
        return Opened(participant_id, expires_at)


def page_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{PAGE_PATH}?{urlencode({'token': token})}"
