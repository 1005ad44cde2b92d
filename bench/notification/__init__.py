"""Notification: enrolment.confirmed -> e-mail accepted by a local SMTP sink."""
