"""Capability links to the files of a published report, made by notification, checked by
reporting: the HMAC-SHA256 of the report id under a secret the two services share
(`COHORT_REPORT_FILES_SECRET`). Report ids are predictable; the signature is not."""

from __future__ import annotations

import hashlib
import hmac


def report_link_signature(secret: str, report_id: str) -> str:
    return hmac.new(secret.encode(), report_id.encode(), hashlib.sha256).hexdigest()
