"""Settings of the reporting service (environment variables `COHORT_*`)."""

from __future__ import annotations

from cohort_kit import ServiceSettings
from pydantic import Field


class ReportingSettings(ServiceSettings):
    http_port: int = Field(18083, description="Port of the reports API and dashboard.")
    database_url: str = Field(
        "postgresql://postgres@127.0.0.1:15432/reporting",
        description="PostgreSQL DSN of the reporting database.",
    )
    summary_poll_seconds: float = Field(
        2.0, description="How often closed sessions are checked for a due session summary."
    )
    summary_quiet_seconds: float = Field(
        5.0,
        description="A session summary waits until no event was applied for this long, so "
        "the completions and certificates that follow a closing are in it.",
    )
    report_files_secret: str | None = Field(
        None,
        description="Shared with notification: the key of the signed links to published "
        "reports' files (report e-mails). Unset: those links answer 404.",
    )
    publish_reports: bool = Field(
        True, description="Publish session summaries (off while rebuilding projections)."
    )
    # People at the dashboard: sign-in through the OIDC provider (authorization code + PKCE).
    signin_issuer: str = Field(
        "",
        description="The OIDC provider people sign in with (its discovery document is "
        "ISSUER/.well-known/openid-configuration). Empty: COHORT_AUTH_ISSUER.",
    )
    signin_client_id: str = Field(
        "cohort-dashboard", description="The dashboard's public client at the provider."
    )
    signin_redirect_uri: str = Field(
        "",
        description="The callback registered at the provider, e.g. "
        "https://reports.example.org/signin-callback. Empty: this request's own "
        "<base>/signin-callback (fine on loopback, set it behind a proxy).",
    )
