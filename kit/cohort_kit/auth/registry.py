"""The organisation registry: who exists and what each may read, from one reviewed file.

The file is `deploy/access.yaml` (the same one `cohort access` turns into NATS accounts).
Each organisation gets an id (`agency:iom`, `ministry:NER`, `donor:eu`, `ops`,
`service:enrolment`) and a set of scopes. A token's organisation claim names one of these
ids; the scopes come from here, never from the token, so revoking or narrowing an
organisation is one edit of this file. Unknown keys are ignored here (other tools read the
same file for more than scopes).

Scopes (strings, `family:kind:value`):

- `reports:country:<ISO3>`, `reports:donor:<token>`, `reports:programme:<token>`: the
  reports of that audience (the token is the NATS subject token of the value, so the same
  scope names `reports.<kind>.<token>.>` on NATS);
- `roster:agency:<agency>`: that agency's sessions' rosters, its participants' enrolments
  and deliveries;
- `intake:agency:<agency>`: publishing that agency's events;
- `ops`: operational routes (readiness, metrics, operator reports);
- a trailing `*` grants the whole family (`reports:*`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_TOKEN = re.compile(r"[^A-Za-z0-9_-]+")
OPS = "ops"


def subject_token(value: str) -> str:
    """A value as one NATS subject token: `EMM2.0` -> `EMM2_0`, `European Union` ->
    `European_Union` (dots, spaces and wildcards are not allowed inside a token)."""
    return _TOKEN.sub("_", value).strip("_") or "_"


def report_scope(kind: str, value: str) -> str:
    """The scope that reads reports for `kind:value` (`country`, `donor`, `programme`)."""
    if kind == "country":
        value = value.upper()
    return f"reports:{kind}:{subject_token(value)}"


@dataclass(frozen=True)
class Organisation:
    id: str
    kind: str  # agency, ministry, donor, ops, service
    name: str
    scopes: frozenset[str]
    nats_account: str
    nats_users: tuple[str, ...]


class Registry:
    def __init__(self, organisations: list[Organisation]) -> None:
        self.organisations = {o.id: o for o in organisations}

    def __contains__(self, org: object) -> bool:
        return org in self.organisations

    def __iter__(self) -> Any:
        return iter(self.organisations.values())

    def get(self, org: str) -> Organisation | None:
        return self.organisations.get(org)

    def scopes(self, org: str) -> frozenset[str]:
        found = self.organisations.get(org)
        return found.scopes if found is not None else frozenset()

    @classmethod
    def load(cls, path: str | Path) -> Registry:
        return cls.from_dict(yaml.safe_load(Path(path).read_text()) or {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Registry:
        services = data.get("services") or {}
        core = services.get("account", "COHORT")
        orgs: list[Organisation] = []
        for name in services.get("users") or {}:
            # The services read streams, not HTTP: no read scope.
            orgs.append(
                Organisation(f"service:{name}", "service", name, frozenset(), core, (name,))
            )
        # Operators: the admins of the services' account (`cohort provision`, on-call people).
        orgs.append(
            Organisation(
                OPS,
                "ops",
                "Operators",
                frozenset({OPS, "reports:*"}),
                core,
                tuple(services.get("admins") or ["provisioner"]),
            )
        )
        for agency, spec in (data.get("agencies") or {}).items():
            spec = spec or {}
            scopes = {f"roster:agency:{agency}", f"intake:agency:{agency}"}
            scopes |= {report_scope("programme", p) for p in spec.get("programmes") or []}
            users = tuple(spec.get("users") or [agency])
            orgs.append(
                Organisation(
                    f"agency:{agency}",
                    "agency",
                    spec.get("name") or agency.upper(),
                    frozenset(scopes),
                    f"AGENCY_{agency.upper()}",
                    users,
                )
            )
        for code, spec in (data.get("ministries") or {}).items():
            scope = report_scope("country", code)
            orgs.append(_reader("ministry", code, spec or {}, scope, f"MINISTRY_{code}"))
        for donor, spec in (data.get("donors") or {}).items():
            spec = spec or {}
            # Reports name donors as the sessions' events do (`European Union`).
            scope = report_scope("donor", spec.get("name") or donor)
            orgs.append(_reader("donor", donor, spec, scope, f"DONOR_{donor.upper()}"))
        return cls(orgs)


def _reader(kind: str, token: str, spec: dict[str, Any], scope: str, account: str) -> Organisation:
    """A ministry or a donor: it reads the reports of its one scope, nothing else."""
    users = tuple(u.lower() for u in spec.get("users") or [f"{kind}-{token}"])
    name = spec.get("name") or token
    return Organisation(f"{kind}:{token}", kind, name, frozenset({scope}), account, users)


def report_subjects(org: Organisation) -> list[str]:
    """The NATS subjects that carry the reports `org` may read (`reports.<kind>.<token>.>`)."""
    out = []
    for scope in sorted(org.scopes):
        family, _, rest = scope.partition(":")
        if family != "reports":
            continue
        out.append("reports.>" if rest == "*" else f"reports.{rest.replace(':', '.')}.>")
    return out
