"""The participant page: signed links, sessions, materials, certificates, re-requests."""
