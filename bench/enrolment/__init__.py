"""Enrolment throughput: intake request -> decision event, against a trivial baseline."""
