"""Whole-request errors as RFC 9457 `application/problem+json`."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    413: "Content too large",
    415: "Unsupported media type",
    429: "Too many requests",
    503: "Service unavailable",
}


class Problem(Exception):
    """Raised anywhere in a request; the app turns it into a problem+json answer."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        reason: str | None = None,
        retry_after: int | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.reason = reason
        self.extra = extra
        self.headers = dict(headers or {})
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)

    def response(self, instance: str | None = None) -> JSONResponse:
        body: dict[str, Any] = {
            "type": f"urn:cohort:problem:{self.reason or self.status}",
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "detail": self.detail,
        }
        if self.reason:
            body["reason"] = self.reason
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return JSONResponse(
            body, status_code=self.status, headers=self.headers, media_type=PROBLEM_JSON
        )
