"""Certification benchmark: certificates per second, PDF renders, /verify latency."""
