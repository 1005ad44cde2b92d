"""The secrets of a network: generated once per folder, kept there (files mode 0600).

`cohort up` and `cohort demo` keep them in `<data dir>/secrets` and give them to the services
as environment variables; `cohort secrets --out deploy/secrets` writes the files that compose
mounts as secrets (`COHORT_<NAME>_FILE`). No service has a working default for any of them.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

# Agencies of deploy/access.yaml; another agency needs its seed added to signing_keys.json.
AGENCIES = ("iom", "icmpd")

GENERATORS: dict[str, Callable[[], str]] = {
    "link_secret": lambda: secrets.token_urlsafe(32),
    "certification_secret": lambda: secrets.token_urlsafe(32),
    "webhook_secret": lambda: secrets.token_urlsafe(32),
    "unsubscribe_secret": lambda: secrets.token_urlsafe(32),
    "report_files_secret": lambda: secrets.token_urlsafe(32),
    "signing_keys.json": lambda: json.dumps({a: secrets.token_hex(32) for a in AGENCIES}),
}

# service -> (environment variable, file name)
VARIABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "enrolment": (("COHORT_LINK_SECRET", "link_secret"),),
    "certification": (
        ("COHORT_SECRET", "certification_secret"),
        ("COHORT_SIGNING_KEYS", "signing_keys.json"),
    ),
    "notification": (
        ("COHORT_WEBHOOK_SECRET", "webhook_secret"),
        ("COHORT_UNSUBSCRIBE_SECRET", "unsubscribe_secret"),
        ("COHORT_REPORT_FILES_SECRET", "report_files_secret"),
    ),
    "reporting": (("COHORT_REPORT_FILES_SECRET", "report_files_secret"),),
}


def ensure(folder: Path) -> dict[str, str]:
    """Every secret in `folder`, generating those missing; existing ones are never changed
    (a new link secret would void every page link sent, a new key rotates certificates)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    values: dict[str, str] = {}
    for name, make in GENERATORS.items():
        path = folder / name
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(make() + "\n")
        values[name] = path.read_text(encoding="utf-8").strip()
    return values


def environment(service: str, values: dict[str, str]) -> dict[str, str]:
    """The environment variables that give `service` its secrets."""
    return {variable: values[name] for variable, name in VARIABLES.get(service, ())}
