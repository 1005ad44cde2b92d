"""`cohort creds ORG`: the NATS URL an organisation's systems connect with, for the running
stack of a data directory (its user and password come from the registry's generated users)."""

from __future__ import annotations

import json
from pathlib import Path

from cohort_kit.auth import Registry

from . import access


def nats_credentials(data_dir: Path, org: str) -> list[str]:
    """`nats://USER:PASS@127.0.0.1:PORT`, then an agency's inbox prefix on a second line."""
    from .stack import STATE

    state = json.loads((data_dir / STATE).read_text())
    registry = Registry.load(state["registry"])
    found = registry.get(org)
    if found is None:
        known = ", ".join(sorted(o.id for o in registry))
        raise ValueError(f"unknown organisation (known: {known})")
    user = found.nats_users[0]
    password = access.read_env(data_dir / "nats" / "passwords.env")[access.env_key(user)]
    lines = [f"nats://{user}:{password}@127.0.0.1:{state['nats_port']}"]
    if found.kind == "agency":  # replies to its requests (PubAcks) come on its own prefix
        lines.append(f"inbox_prefix={access.inbox_prefix(org.split(':', 1)[1])}")
    return lines
