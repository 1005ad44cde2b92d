"""The one declaration of every stream and durable consumer of the network.

Provisioning (`cohort provision`) creates exactly these; services attach to them without
declaring anything and refuse to start if the live configuration differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DAY = 24 * 3600.0


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: tuple[str, ...]
    description: str
    retention: str = "limits"  # never "interest": a later service must be able to replay
    storage: str = "file"
    max_age_seconds: float = 0.0  # 0 = kept for the network's life
    max_bytes: int = -1
    duplicate_window_seconds: float = 3600.0
    allow_msg_schedules: bool = False
    replicas: int = 1


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable pull consumer named `<service>-<purpose>`."""

    stream: str
    durable: str
    filter_subjects: tuple[str, ...]
    description: str
    ack_wait_seconds: float = 30.0
    # High but finite: the kit dead-letters a message on its last delivery, so reaching
    # the limit never drops anything silently.
    max_deliver: int = 1000
    # No consumer back-off: with `backoff` set, nats-server 2.15 ignores the delay of a
    # second NAK and waits backoff[n] instead (seen here: 0.25 s, then 60 s). The kit picks
    # every retry delay itself with NAK; a crashed worker's message returns after ack_wait.
    backoff_seconds: tuple[float, ...] = ()
    max_ack_pending: int = 1000

    @property
    def service(self) -> str:
        return self.durable.split("-", 1)[0]


INTAKE = StreamSpec(
    "INTAKE",
    ("intake.>",),
    "Everything agencies publish: courses, sessions, participants, requests, attendance...",
)
ENROLMENT = StreamSpec("ENROLMENT", ("enrolment.>",), "Enrolment decisions and completions.")
CERTIFICATION = StreamSpec(
    "CERTIFICATION", ("certification.>",), "Certificates issued and revoked, trainers certified."
)
NOTIFICATION = StreamSpec(
    "NOTIFICATION",
    ("notification.>",),
    "Deliveries sent and failed; reminder schedules (notification.schedule.>).",
    allow_msg_schedules=True,
)
REPORTS = StreamSpec("REPORTS", ("reports.>",), "Published reports, one subject per scope.")
REPORTING = StreamSpec(
    "REPORTING",
    ("reporting.>",),
    "The reporting service's own schedules (monthly and quarterly report ticks).",
    allow_msg_schedules=True,
)
DEADLETTER = StreamSpec(
    "DEADLETTER",
    ("deadletter.>",),
    "Messages that can never be applied, with reason, original bytes and headers.",
)

PRIVACY = StreamSpec(
    "PRIVACY",
    ("privacy.>",),
    "Erasure: services' confirmations (privacy.erased.<service>.>), completions "
    "(privacy.completed.<agency>) and redaction records (privacy.redaction.<stream>.<seq>). "
    "Holds no direct identifier; kept for the network's life, like INTAKE.",
)

STREAMS: tuple[StreamSpec, ...] = (
    INTAKE,
    ENROLMENT,
    CERTIFICATION,
    NOTIFICATION,
    REPORTS,
    REPORTING,
    DEADLETTER,
    PRIVACY,
)


def _intake(*names: str) -> tuple[str, ...]:
    return tuple(f"intake.*.{name}" for name in names)


CONSUMERS: tuple[ConsumerSpec, ...] = (
    # Enrolment reads all of intake through one consumer so that a session, a participant
    # and a request keep the order in which they stand in INTAKE.
    ConsumerSpec("INTAKE", "enrolment-intake", ("intake.>",), "Enrolment: everything from intake."),
    ConsumerSpec(
        "CERTIFICATION",
        "enrolment-certificates",
        ("certification.issued", "certification.revoked"),
        "Enrolment: certificates for the participant page.",
    ),
    ConsumerSpec(
        "INTAKE",
        "certification-intake",
        _intake(
            "course.published",
            "session.scheduled",
            "session.rescheduled",
            "participant.registered",
            "certificate.revocation_requested",
            "participant.erasure_requested",
        ),
        "Certification: course, session and participant facts; revocation requests.",
    ),
    ConsumerSpec(
        "ENROLMENT",
        "certification-completions",
        ("enrolment.completed",),
        "Certification: completions to certify.",
    ),
    ConsumerSpec("INTAKE", "notification-intake", ("intake.>",), "Notification: intake facts."),
    ConsumerSpec(
        "ENROLMENT", "notification-enrolment", ("enrolment.>",), "Notification: decisions."
    ),
    ConsumerSpec(
        "CERTIFICATION",
        "notification-certificates",
        ("certification.>",),
        "Notification: certificates issued.",
    ),
    ConsumerSpec(
        "NOTIFICATION",
        "notification-reminders",
        ("notification.reminder.due",),
        "Notification: reminders whose scheduled moment has come.",
    ),
    ConsumerSpec(
        "REPORTS",
        "notification-reports",
        ("reports.>",),
        "Notification: published reports, to their e-mail and webhook subscribers.",
    ),
    ConsumerSpec("INTAKE", "reporting-intake", ("intake.>",), "Reporting: intake facts."),
    ConsumerSpec("ENROLMENT", "reporting-enrolment", ("enrolment.>",), "Reporting: decisions."),
    ConsumerSpec(
        "CERTIFICATION", "reporting-certification", ("certification.>",), "Reporting: certificates."
    ),
    ConsumerSpec(
        "NOTIFICATION",
        "reporting-notification",
        ("notification.sent", "notification.failed"),
        "Reporting: deliveries.",
    ),
    ConsumerSpec(
        "REPORTING", "reporting-ticks", ("reporting.tick.>",), "Reporting: periodic report ticks."
    ),
    # The erasure worker (`cohort privacy worker`): one request at a time, in INTAKE order.
    ConsumerSpec(
        "INTAKE",
        "privacy-requests",
        _intake("participant.erasure_requested"),
        "Erasure worker: requests to forget a participant.",
        ack_wait_seconds=10.0,  # the worker reports progress meanwhile (eraser.py)
        max_ack_pending=1,
    ),
)


def stream(name: str) -> StreamSpec:
    for spec in STREAMS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def consumer(durable: str) -> ConsumerSpec:
    for spec in CONSUMERS:
        if spec.durable == durable:
            return spec
    raise KeyError(durable)


def consumers_of(service: str) -> tuple[ConsumerSpec, ...]:
    return tuple(spec for spec in CONSUMERS if spec.service == service)


def deadletter_subject(service: str, original: str | None = None) -> str:
    """Where `service` parks a message: `deadletter.<service>.<agency>` for an agency's intake
    (`original` is `intake.<agency>.…`; the token comes from the subject the agency's account
    could publish on, never from a body), so that agency's own durable consumer can filter
    on `deadletter.*.<agency>` (docs/decisions/0005-agency-feedback-over-nats.md); anything
    else on `deadletter.<service>`."""
    parts = (original or "").split(".")
    if len(parts) >= 3 and parts[0] == "intake" and parts[1]:
        return f"deadletter.{service}.{parts[1]}"
    return f"deadletter.{service}"


# What `read_parked` reads: dead-letters, not the replay records of `cohort deadletters`
# (`deadletter.replayed.<stream>.<seq>`, four tokens).
DEADLETTER_RECORDS = ("deadletter.*", "deadletter.*.*")


@dataclass(frozen=True)
class Topology:
    """Streams and consumers together, so tests can provision a subset."""

    streams: tuple[StreamSpec, ...] = STREAMS
    consumers: tuple[ConsumerSpec, ...] = field(default=CONSUMERS)


TOPOLOGY = Topology()
