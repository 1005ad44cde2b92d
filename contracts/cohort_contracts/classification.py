"""The one registry of personal data: every event field and every table column, classified.

- `DIRECT`: identifies or reaches a person by itself (name, e-mail, phone, job title,
  free text they wrote). Each has an erase path: a placeholder in a redacted event, or the
  service's erasure duty that clears the column (`tests/privacy/test_classification.py`
  fails when one is missing, like Moodle's `test_all_providers_compliant`).
- `QUASI`: identifies in combination (participant id, birth year, nationality, sex,
  organisation, attendance...). Kept pseudonymous unless a duty says otherwise.
- `NONE`: not about a person.

Nested objects are classified as a whole by their top-level field.
"""

from __future__ import annotations

from typing import Any

from .privacy import ERASED_EMAIL, ERASED_TEXT

DIRECT, QUASI, NONE = "direct", "quasi", "none"

# Direct identifiers of agency staff (a session's organiser): not participant data, kept
# with the session under the agency's own retention; listed so the gate sees a decision.
STAFF = "staff"

_N, _Q = (NONE, None), (QUASI, None)

# fmt: off
# event type -> field -> (class, placeholder in a redacted event; STAFF for staff data)
EVENT_FIELDS: dict[str, dict[str, tuple[str, Any]]] = {
    "course.published.v1": {
        f: _N
        for f in (
            "course_id", "programme", "title", "modules", "qualification", "hours",
            "completion_rule", "certificate_kind", "training_of_trainers", "certifying_body",
            "materials",
        )
    },
    "session.scheduled.v1": {
        **{
            f: _N
            for f in (
                "session_id", "course_id", "office", "country", "city", "venue", "start_date",
                "end_date", "timezone", "mode", "languages", "capacity", "waitlist_capacity",
                "audience", "partners", "funding", "nomination_quotas", "enrolment_closes_at",
            )
        },
        "facilitators": _Q,  # trainer ids (participant ids)
        "organiser_email": (DIRECT, STAFF),
    },
    "session.rescheduled.v1": {
        f: _N
        for f in (
            "session_id", "start_date", "end_date", "venue", "city", "capacity",
            "waitlist_capacity", "timezone", "enrolment_closes_at", "mode",
        )
    },
    "session.cancelled.v1": {"session_id": _N, "reason": _N},
    "session.closed.v1": {"session_id": _N},
    "participant.registered.v1": {
        "participant_id": _Q,
        "given_name": (DIRECT, ERASED_TEXT),
        "family_name": (DIRECT, ERASED_TEXT),
        "email": (DIRECT, ERASED_EMAIL),
        "phone": (DIRECT, None),
        "position": (DIRECT, None),
        "birth_year": (QUASI, None),
        "sex": _Q,
        "nationality": _Q,
        "country_of_residence": _Q,
        "organisation": _Q,
        "preferred_language": _Q,
        "consent": _Q,
    },
    "participant.erasure_requested.v1": {"participant_id": _Q, "reason": _N},
    "enrolment.requested.v1": {
        "enrolment_id": _Q, "session_id": _N, "participant_id": _Q, "nominated_by": _Q,
    },
    "enrolment.withdrawn.v1": {"enrolment_id": _Q, "reason": _N},
    "attendance.recorded.v1": {
        "session_id": _N, "participant_id": _Q, "date": _N, "module": _N, "present": _Q,
    },
    "assessment.recorded.v1": {"session_id": _N, "participant_id": _Q, "kind": _N, "score": _Q},
    "certificate.revocation_requested.v1": {"certificate_id": _Q, "reason": _N},
    "evaluation.submitted.v1": {
        "session_id": _N, "participant_id": _Q, "ratings": _Q, "comment": (DIRECT, None),
    },
    "enrolment.confirmed.v1": {
        "enrolment_id": _Q, "session_id": _N, "participant_id": _Q, "seat": _Q,
        "promoted_from_waitlist": _Q,
    },
    "enrolment.waitlisted.v1": {
        "enrolment_id": _Q, "session_id": _N, "participant_id": _Q, "position": _Q,
    },
    "enrolment.rejected.v1": {
        "enrolment_id": _Q, "session_id": _N, "participant_id": _Q, "reason": _N,
    },
    "enrolment.cancelled.v1": {
        "enrolment_id": _Q, "reason": _N, "session_id": _N, "participant_id": _Q,
    },
    "enrolment.completed.v1": {
        "enrolment_id": _Q, "session_id": _N, "participant_id": _Q, "course_id": _N,
        "outcome": _Q, "attendance_ratio": _Q, "pre_score": _Q, "post_score": _Q,
    },
    "participant.link_requested.v1": {"participant_id": _Q, "link": _Q, "expires_at": _N},
    "participant.erased.v1": {
        "participant_id": _Q, "request_id": _N, "service": _N, "reason": _N,
        "cancelled_enrolments": _Q, "kept": _N,
    },
    "erasure.completed.v1": {
        "participant_id": _Q, "request_id": _N, "reason": _N, "services": _N,
        "redacted": _N, "agency_must_erase": _N,
    },
    "certificate.issued.v1": {
        "certificate_id": _Q, "verification_code": _Q, "enrolment_id": _Q,
        "participant_id": _Q, "course_id": _N, "session_id": _N, "kind": _N,
        "qualification": _N, "issued_at": _N, "credential_url": _Q, "pdf_url": _Q,
    },
    "certificate.revoked.v1": {"certificate_id": _Q, "reason": _N},
    "trainer.certified.v1": {"trainer_id": _Q, "programme": _N, "certificate_id": _Q},
    "notification.sent.v1": {
        # recipient: a participant id, or the organiser's address (staff)
        "notification_id": _N, "recipient": _Q, "channel": _N, "template": _N,
        "language": _N, "cause": _N,
    },
    "notification.failed.v1": {
        "notification_id": _N, "recipient": _Q, "channel": _N, "template": _N,
        "language": _N, "cause": _N, "attempts": _N,
        # A provider's error may quote the address: the erasure worker redacts every
        # NOTIFICATION message that contains the person's e-mail or phone.
        "error": (DIRECT, "stream redaction by content"),
    },
    "reminder.due.v1": {  # internal to notification (contracts/internal.py)
        "session_id": _N, "participant_id": _Q, "label": _N, "due_at": _N, "start_date": _N,
        "schedule_subject": _Q,
    },
    "report.published.v1": {
        f: _N for f in ("report_id", "kind", "scope", "period", "figures", "suppressed_cells")
    },
}

_KIT = {
    "outbox": {
        # Bodies of events already published are no longer needed once relayed; the
        # erasure duties delete published rows that carry the person's data.
        "seq": NONE, "event_id": NONE, "subject": NONE, "stream": NONE, "body": QUASI,
        "headers": NONE, "created_at": NONE, "published_at": NONE, "attempts": NONE,
        "last_error": NONE,
    },
    "inbox": {
        "consumer": NONE, "source": NONE, "event_id": NONE, "event_type": NONE,
        "stream_seq": NONE, "applied_at": NONE,
    },
    "cohort_migrations": {"component": NONE, "version": NONE, "applied_at": NONE},
    # Who owns each entity named in INTAKE (cohort_kit.ownership): ids are pseudonyms.
    "ownership": {
        "kind": NONE, "entity_id": QUASI, "agency": NONE, "event_id": NONE,
        "stream_seq": NONE, "claimed_at": NONE,
    },
}


def _every(kind: str, *columns: str) -> dict[str, str]:
    """The same class for each of these columns."""
    return dict.fromkeys(columns, kind)


# service -> table -> column -> class. Direct columns must be in the service's ERASES.
TABLES: dict[str, dict[str, dict[str, str]]] = {
    "enrolment": {
        **_KIT,
        "courses": _every(
            NONE, "course_id", "agency", "min_attendance_ratio", "pass_mark", "evaluation_required",
            "modules", "published_at", "title", "materials",
        ),
        "sessions": _every(
            NONE, "session_id", "agency", "course_id", "start_date", "end_date", "capacity",
            "waitlist_capacity", "nomination_quotas", "enrolment_closes_at", "status", "closed_at",
            "country", "city", "venue", "timezone", "mode", "languages",
        ),
        "participants": {
            "participant_id": QUASI, "agency": NONE, "organisation": QUASI,
            "registered_at": NONE, "given_name": DIRECT, "family_name": DIRECT,
            "email": DIRECT, "preferred_language": QUASI, "erased_at": NONE,
        },
        "enrolments": {
            "enrolment_id": QUASI, "session_id": NONE, "participant_id": QUASI,
            "agency": NONE, "nominated_by": QUASI, "status": QUASI, "seat": QUASI,
            "queue_key": NONE, "reason": NONE, "promoted": QUASI, "requested_at": NONE,
        },
        "attendance": {
            "session_id": NONE, "participant_id": QUASI, "day": NONE, "module": NONE,
            "present": QUASI, "recorded_at": NONE,
        },
        "assessments": {
            "session_id": NONE, "participant_id": QUASI, "kind": NONE, "score": QUASI,
            "recorded_at": NONE,
        },
        "evaluations": {"session_id": NONE, "participant_id": QUASI},
        "completions": {
            "enrolment_id": QUASI, "outcome": QUASI, "attendance_ratio": QUASI,
            "pre_score": QUASI, "post_score": QUASI, "revision": NONE,
        },
        "certificates": {
            "certificate_id": QUASI, "agency": NONE, "participant_id": QUASI,
            "enrolment_id": QUASI, "session_id": NONE, "course_id": NONE, "kind": NONE,
            "verification_code": QUASI, "credential_url": QUASI, "pdf_url": QUASI,
            "issued_at": NONE,
        },
        "certificate_revocations": {"certificate_id": QUASI, "reason": NONE, "revoked_at": NONE},
        "link_requests": {"participant_id": QUASI, "requested_at": NONE},
    },
    "certification": {
        **_KIT,
        "courses": {"course_id": NONE, "agency": NONE, "data": NONE},
        "sessions": {"session_id": NONE, "agency": NONE, "data": STAFF},  # organiser_email
        "participants": {"participant_id": QUASI, "agency": NONE, "data": DIRECT},
        "number_counters": {"agency": NONE, "year": NONE, "last_value": NONE},
        "status_counters": {"agency": NONE, "last_index": NONE},
        "signing_keys": _every(
            NONE, "key_id", "agency", "public_key_multibase", "seed", "active", "created_at",
            "retired_at",
        ),
        "certificates": {
            "certificate_id": QUASI, "number": QUASI, "verification_code": QUASI,
            "agency": NONE, "enrolment_id": QUASI, "kind": NONE, "participant_id": QUASI,
            "course_id": NONE, "session_id": NONE, "issued_at": NONE, "status_index": QUASI,
            "facts": DIRECT, "credential": DIRECT, "revoked_at": NONE,
            "revocation_reason": NONE, "superseded_by": NONE, "credential_sha256": NONE,
            "erased_at": NONE, "url_id": QUASI,
        },
        "trainers": {
            "trainer_id": QUASI, "programme": NONE, "agency": NONE, "country": QUASI,
            "certificate_id": QUASI, "certified_at": NONE,
        },
    },
    "notification": {
        **_KIT,
        "courses": {"course_id": NONE, "programme": NONE, "title": NONE},
        "sessions": {
            **_every(
                NONE, "session_id", "agency", "course_id", "office", "country", "city", "venue",
                "start_date", "end_date", "timezone", "mode", "languages", "status",
                "cancel_reason",
            ),
            "organiser_email": STAFF,
        },
        "participants": {
            "participant_id": QUASI, "agency": NONE, "given_name": DIRECT,
            "family_name": DIRECT, "email": DIRECT, "phone": DIRECT,
            "preferred_language": QUASI, "consent_contact": QUASI, "erased_at": NONE,
        },
        "enrolments": {
            "enrolment_id": QUASI, "session_id": NONE, "participant_id": QUASI,
            "status": QUASI, "reason": NONE,
        },
        "deliveries": {
            "delivery_id": NONE, "cause_id": NONE, "recipient": QUASI, "channel": NONE,
            "address": DIRECT, "template": NONE, "language": NONE, "agency": NONE,
            "correlationid": NONE, "session_id": NONE, "participant_id": QUASI,
            "subject": DIRECT, "body_text": DIRECT, "body_html": DIRECT,
            "attachments": DIRECT, "status": NONE, "attempts": NONE, "next_attempt_at": NONE,
            "claimed_until": NONE, "in_doubt": NONE, "last_error": DIRECT,
            "created_at": NONE, "sent_at": NONE, "secret_ref": NONE,
        },
        # Officials who unsubscribed from report e-mails (organisation, their address).
        "report_unsubscribed": {"org": NONE, "address": DIRECT, "at": NONE},
        "reminders": {
            "schedule_subject": QUASI, "session_id": NONE, "participant_id": QUASI,
            "label": NONE, "due_at": NONE, "start_date": NONE, "state": NONE,
        },
        "digest_items": {
            # item_id is "<cause>|<kind>|<participant name>"
            "item_id": DIRECT, "organiser_email": STAFF, "session_id": NONE, "agency": NONE,
            "day": NONE, "kind": NONE, "detail": DIRECT, "digested": NONE, "added_at": NONE,
        },
        "page_links": {
            "event_id": NONE, "participant_id": QUASI, "link": QUASI, "expires_at": NONE,
            "cause": NONE, "received_at": NONE,
        },
    },
    "reporting": {
        **_KIT,
        # Reports as published: aggregates with their small cells already suppressed.
        "r_published_report": _every(
            NONE, "report_id", "scope_kind", "scope_value", "kind", "published_at", "payload",
            "feed_seq",
        ),
        "r_course": {"course_id": NONE, "programme": NONE, "training_of_trainers": NONE},
        "r_session": _every(
            NONE, "session_id", "agency", "course_id", "country", "mode", "start_date", "end_date",
            "audience", "donors",
        )
        | {"facilitators": QUASI},
        "r_session_change": _every(
            NONE, "event_id", "session_id", "at", "start_date", "end_date", "mode",
        ),
        "r_session_state": _every(
            NONE, "session_id", "cancelled_at", "closed_at", "closed_event_id",
        ),
        "r_participant": {
            "participant_id": QUASI, "at": NONE, "sex": QUASI, "organisation_kind": QUASI,
            "nationality": QUASI, "residence": QUASI, "statistics": NONE,
        },
        "r_enrolment": _every(
            QUASI, "enrolment_id", "session_id", "participant_id", "confirmed", "waitlisted",
            "rejected", "cancelled",
        ),
        "r_completion": _every(
            QUASI, "enrolment_id", "session_id", "participant_id", "outcome", "attendance_ratio",
        ),
        "r_assessment": _every(QUASI, "session_id", "participant_id", "kind", "at", "score"),
        "r_evaluation": _every(
            QUASI, "session_id", "respondent", "at", "relevance", "will_improve_performance",
            "methodology", "content_quality",
        ),
        "r_certificate": _every(
            QUASI, "certificate_id", "session_id", "participant_id", "kind", "issued_at",
        ),
        "r_revocation": {"certificate_id": QUASI, "at": NONE},
        "r_trainer": {"trainer_id": QUASI, "programme": NONE, "certificate_id": QUASI},
        "r_notification": {
            "notification_id": NONE, "status": NONE, "recipient": QUASI, "at": NONE,
        },
        "r_provenance": _every(NONE, "consumer", "events", "first_time", "last_time", "applied_at"),
        "r_published": {"report_key": NONE, "event_id": NONE, "published_at": NONE},
        # Per-session sums (counts over a session's facts) and the sessions to recount.
        "r_session_sums": _every(
            NONE, "session_id", "confirmed", "waitlisted", "rejected", "cancelled", "outcomes",
            "issued", "revoked", "respondents", "relevance", "will_improve_performance",
            "methodology", "content_quality", "gain_people", "pre", "post", "gain",
            "gain_below_0", "gain_0_to_9", "gain_10_to_19", "gain_20_to_29", "gain_30_and_more",
            "refreshed_at",
        ),
        "r_session_dirty": {"session_id": NONE},
    },
}

# fmt: on


def direct_fields(event_type: str) -> list[str]:
    """The participant's direct identifiers an event of this type may carry."""
    return [
        f
        for f, (kind, placeholder) in EVENT_FIELDS.get(event_type, {}).items()
        if kind == DIRECT and placeholder is not STAFF
    ]
