"""The notification service's configuration (environment variables `COHORT_*`)."""

from __future__ import annotations

from typing import Self

from cohort_kit import ServiceSettings
from pydantic import Field, model_validator


class NotificationSettings(ServiceSettings):
    http_port: int = Field(18082, description="Port of the health/metrics/API server (0 = none).")

    smtp_host: str = Field("127.0.0.1", description="SMTP server host.")
    smtp_port: int = Field(1025, description="SMTP server port.")
    smtp_starttls: bool = Field(False, description="Upgrade the connection with STARTTLS.")
    smtp_use_tls: bool = Field(False, description="Implicit TLS (SMTPS) from the first byte.")
    smtp_validate_certs: bool = Field(True, description="Verify the server's certificate.")
    smtp_username: str | None = Field(None, description="SMTP AUTH user, if any.")
    smtp_password: str | None = Field(None, description="SMTP AUTH password, if any.")
    smtp_timeout: float = Field(15.0, description="Seconds before an SMTP exchange times out.")
    smtp_connections: int = Field(
        4, ge=1, description="SMTP sessions kept open and reused (one message at a time each)."
    )
    smtp_idle_seconds: float = Field(
        30.0, gt=0, description="A kept SMTP session idle longer than this is closed, not used."
    )
    smtp_messages_per_connection: int = Field(
        100, ge=1, description="Messages sent on one SMTP session before it is closed."
    )
    mail_from: str = Field(
        "Cohort <no-reply@cohort.example.org>", description="From: of every e-mail."
    )
    message_id_domain: str = Field(
        "cohort.example.org", description="Domain part of the deterministic Message-ID."
    )

    webhook_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Agency -> URL that receives a signed JSON copy of every participant "
        'message of that agency, e.g. {"iom": "https://crm.iom.example/hooks/cohort"}.',
    )
    webhook_secret: str | None = Field(
        None,
        min_length=16,
        description="HMAC-SHA256 key of webhook signatures; no default, required when "
        "webhook_urls is set.",
    )
    sms_gateway_url: str | None = Field(
        None, description="HTTP gateway that sends SMS (POST JSON {to, text}); none = no SMS."
    )
    sms_gateway_token: str | None = Field(None, description="Bearer token of the SMS gateway.")
    sms_templates: list[str] = Field(
        default_factory=lambda: ["reminder", "session_cancelled", "session_rescheduled"],
        description="Messages also sent by SMS to participants with a phone number.",
    )
    http_timeout: float = Field(10.0, description="Seconds before a webhook/SMS call times out.")

    delivery_poll_seconds: float = Field(1.0, description="How often the delivery worker looks.")
    delivery_batch: int = Field(50, description="Deliveries claimed per round.")
    delivery_concurrency: int = Field(8, description="Deliveries sent at the same time.")
    delivery_lease_seconds: float = Field(
        120.0, description="How long a claimed delivery is reserved for the worker sending it."
    )
    retry_first_seconds: float = Field(5.0, description="First back-off of a transient failure.")
    retry_cap_seconds: float = Field(3600.0, description="Longest back-off between attempts.")
    give_up_after_seconds: float = Field(
        3 * 86400.0, description="A delivery still failing transiently after this is failed."
    )
    report_webhook_give_up_after_seconds: float = Field(
        86400.0,
        description="Retry window of a report webhook; after it the delivery is failed and "
        "dead-lettered on deadletter.notification with its reason.",
    )
    attach_certificate_pdf: bool = Field(
        True, description="Fetch the certificate PDF from pdf_url and attach it, if reachable."
    )

    subscriptions_registry: str | None = Field(
        None,
        description="The organisation registry (deploy/access.yaml): its `subscriptions:` say "
        "who gets which reports by e-mail or webhook; none = no report subscriptions.",
    )
    reports_base_url: str = Field(
        "http://127.0.0.1:18083",
        description="Reporting's HTTP base URL: report e-mails attach "
        "`/reports/published/{id}?format=pdf|xlsx` from there.",
    )
    public_url: str = Field(
        "http://127.0.0.1:18082",
        description="This service's public base URL (unsubscribe links in report e-mails).",
    )
    unsubscribe_secret: str | None = Field(
        None,
        description="HMAC key of the unsubscribe links in report e-mails (no default: "
        "required when COHORT_SUBSCRIPTIONS_REGISTRY is set).",
    )
    report_files_secret: str | None = Field(
        None,
        description="Shared with reporting: the key of the signed links to published reports' "
        "files (required when COHORT_SUBSCRIPTIONS_REGISTRY is set).",
    )

    reminder_offsets: dict[str, float] = Field(
        default_factory=lambda: {"d7": 7 * 86400.0, "d1": 86400.0},
        description="Reminders: label -> seconds before the session starts.",
    )
    session_start_time: str = Field(
        "09:00", description="Local time (session's zone) a session day starts, HH:MM."
    )
    digest_poll_seconds: float = Field(60.0, description="How often daily digests are made.")
    digest_quiet_seconds: float = Field(
        300.0,
        description="Days still open by event time are digested once no new item has come "
        "for this long (so a replayed history digests the same items together).",
    )
    digest_include_today: bool = Field(
        False, description="Also digest the current day (tests, demos); normally yesterday back."
    )

    @model_validator(mode="after")
    def _webhooks_signed(self) -> Self:
        if self.webhook_urls and not self.webhook_secret:
            raise ValueError(
                "COHORT_WEBHOOK_SECRET is not set (nor COHORT_WEBHOOK_SECRET_FILE) while "
                "COHORT_WEBHOOK_URLS is: webhooks would go unsigned"
            )
        if self.subscriptions_registry:
            missing = [
                f"COHORT_{name.upper()} is not set (nor COHORT_{name.upper()}_FILE)"
                for name in ("unsubscribe_secret", "report_files_secret")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(
                    "; ".join(missing) + " while COHORT_SUBSCRIPTIONS_REGISTRY is: report e-mails "
                    "need both (unsubscribe links, signed links to the report files)"
                )
        return self
