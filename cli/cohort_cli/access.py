"""`cohort access FILE --out DIR`: the NATS accounts and users of the network, from one file.

Every agency, ministry and donor gets its own account. The services' account (with JetStream)
exports to each exactly what it may see: an agency's intake subjects as a *service* (so its
publishes reach the INTAKE stream and the PubAck comes back), its programme reports, a
ministry's `reports.country.<ISO3>.>`, a donor's `reports.donor.<donor>.>`. Nothing else
crosses an account boundary, so no subject permission mistake and no JetStream API call can
show one ministry another's reports. Subject permissions on each user are a second layer.

Durable delivery (docs/decisions/0007-subscriber-delivery.md and 0005): every ministry,
donor and agency also has its own durable pull consumers in the services' account
(`cohort_cli.durables`): `reader-<ACCOUNT>` on REPORTS for its reports, and for an agency
`rejections-<ACCOUNT>` on DEADLETTER (its own intake's dead-letters) and `erasures-<ACCOUNT>`
on PRIVACY (`privacy.completed.<agency>`). They are provisioned by `cohort provision --access
FILE`; the account imports exactly three services of each ("next messages" and "consumer
info" as `JS.<COHORT>.API.CONSUMER.…`, and `$JS.ACK.<stream>.<durable>.>`). It can create,
list, read or bind nothing else.

Writes `DIR/accounts.conf` (included by the nats-server config; bcrypt hashes only) and
`DIR/passwords.env` (mode 0600; the plaintext passwords, reused on the next run).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

import bcrypt
import yaml
from cohort_contracts.streams import ConsumerSpec
from cohort_kit.auth import Registry, report_subjects
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from . import durables
from .durables import (  # noqa: F401 - re-exported: the names clients bind to
    AGENCY_KINDS,
    erasures_durable,
    reader_durable,
    rejections_durable,
)

TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServiceUser(_Model):
    publishes: list[str] = Field(description="Subjects this service may publish (its streams).")
    jetstream_api: list[str] | None = Field(
        None,
        description="A least-privilege user (the ingress, the erasure worker): exactly these "
        "JetStream API and ack subjects, and no dead-letter subject of its own unless "
        "`publishes` names it. Unset: a consuming service, which may use the whole "
        "JetStream API, ack, and park on deadletter.<name>[.<agency>].",
    )


class Services(_Model):
    account: str = "COHORT"
    users: dict[str, ServiceUser]
    admins: list[str] = Field(default_factory=lambda: ["provisioner"])


class Agency(_Model):
    name: str = ""
    programmes: list[str] = Field(default_factory=list)
    users: list[str] | None = None

    @field_validator("programmes")
    @classmethod
    def _tokens(cls, value: list[str]) -> list[str]:
        for token in value:
            if not TOKEN.match(token):
                raise ValueError(f"programme {token!r} is not a subject token (letters, _ and -)")
        return value


class Reader(_Model):
    name: str = ""
    users: list[str] | None = None
    # People and systems that get this organisation's reports; read (and checked) by the
    # notification service (cohort_notification.subscriptions), not used for NATS access.
    subscriptions: list[dict[str, Any]] = Field(default_factory=list)


class Tls(_Model):
    cert_file: str
    key_file: str
    ca_file: str | None = None
    verify: bool = False


class AccessFile(_Model):
    services: Services
    agencies: dict[str, Agency] = Field(default_factory=dict)
    ministries: dict[str, Reader] = Field(default_factory=dict)
    donors: dict[str, Reader] = Field(default_factory=dict)
    tls: Tls | None = None

    @field_validator("agencies", "donors", "ministries")
    @classmethod
    def _keys(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        pattern, expected = KEYS[info.field_name or ""]
        for key in value:
            if not re.fullmatch(pattern, key):
                raise ValueError(f"{key!r}: {expected}")
        return value


# What the keys of each kind of organisation must look like, and what the error says.
SUBJECT_TOKEN = (r"[a-z0-9_-]+", "lower-case subject token expected")
KEYS = {
    "agencies": SUBJECT_TOKEN,
    "donors": SUBJECT_TOKEN,
    "ministries": (r"[A-Z]{3}", "ISO 3166-1 alpha-3 code expected"),
}


def load(path: Path) -> AccessFile:
    return AccessFile.model_validate(yaml.safe_load(Path(path).read_text()))


def agency_account(agency: str) -> str:
    return f"AGENCY_{agency.upper()}"


def ministry_account(iso3: str) -> str:
    return f"MINISTRY_{iso3}"


def donor_account(donor: str) -> str:
    return f"DONOR_{donor.upper()}"


def js_prefix(access: AccessFile) -> str:
    """The JetStream API prefix a ministry or donor client uses (`nc.jetstream(prefix=...)`)."""
    return f"JS.{access.services.account}.API"


def readers(access: AccessFile) -> list[tuple[str, list[str], list[str]]]:
    """(account, report subjects, users) of every ministry and donor. The subjects come from
    the organisation registry, as the HTTP scopes do (a donor by its name as a token)."""
    registry = Registry.from_dict(access.model_dump())

    def subjects(org: str) -> list[str]:
        found = registry.get(org)
        return report_subjects(found) if found is not None else []

    return [
        (ministry_account(code), subjects(f"ministry:{code}"), spec.users or [f"ministry-{code}"])
        for code, spec in access.ministries.items()
    ] + [
        (donor_account(name), subjects(f"donor:{name}"), spec.users or [f"donor-{name}"])
        for name, spec in access.donors.items()
    ]


def agency_durables(access: AccessFile) -> list[tuple[str, ConsumerSpec]]:
    """(account, consumer) of every agency: its programme reports (if it has programmes),
    its own intake's dead-letters and its completed erasures."""
    registry = Registry.from_dict(access.model_dump())
    out: list[tuple[str, ConsumerSpec]] = []
    for agency in access.agencies:
        account = agency_account(agency)
        found = registry.get(f"agency:{agency}")
        if found is not None and (subjects := report_subjects(found)):
            out.append((account, durables.reports_reader(account, subjects)))
        out += [(account, durables.agency_reader(k, account, agency)) for k in AGENCY_KINDS]
    return out


def account_durables(access: AccessFile) -> list[tuple[str, ConsumerSpec]]:
    """(account, consumer) of every organisation's durable readers."""
    subscribers = [
        (account, durables.reports_reader(account, subjects))
        for account, subjects, _ in readers(access)
        if subjects
    ]
    return subscribers + agency_durables(access)


def subscriber_consumers(access: AccessFile) -> tuple[ConsumerSpec, ...]:
    """The durable consumers `cohort provision --access` creates (`account_durables`)."""
    return tuple(spec for _, spec in account_durables(access))


def _durable_api(access: AccessFile, account: str) -> tuple[list[Any], list[Any], list[str]]:
    """Exports, imports and publish permissions of every durable reader of `account`."""
    exports: list[Any] = []
    imports: list[Any] = []
    publish: list[str] = []
    for owner, spec in account_durables(access):
        if owner == account:
            e, i, p = durables.api(account, spec, access.services.account, js_prefix(access))
            exports, imports, publish = exports + e, imports + i, publish + p
    return exports, imports, publish


def inbox_prefix(agency: str) -> str:
    """The private reply prefix an agency's clients use (`inbox_prefix=` in nats-py)."""
    return f"_INBOX_{agency}"


def env_key(user: str) -> str:
    return "COHORT_NATS_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", user.upper())


def _perm(publish: list[str] | None, subscribe: list[str] | None) -> dict[str, Any]:
    def side(allow: list[str] | None) -> dict[str, list[str]]:
        return {"allow": allow} if allow else {"deny": [">"]}

    return {"publish": side(publish), "subscribe": side(subscribe)}


def _service_publishes(name: str, spec: ServiceUser) -> list[str]:
    if spec.jetstream_api is not None:
        return [*spec.publishes, *spec.jetstream_api]
    # deadletter.<name>.<agency>: an agency's intake, readable by that agency (0005).
    parked = [f"deadletter.{name}", f"deadletter.{name}.*"]
    return [*spec.publishes, *parked, "$JS.API.>", "$JS.ACK.>", "_INBOX.>"]


def build(
    access: AccessFile, passwords: dict[str, str], known: dict[str, str], cost: int = 11
) -> dict[str, Any]:
    """The nats-server `accounts` block (and `system_account`), as a plain dict.

    `known` holds the passwords of an earlier run (by `env_key`); new users get a random
    one. Every user's password ends up in `passwords` (by user name).
    """
    hashed: dict[str, str] = {}

    def user(name: str, permissions: dict[str, Any] | None = None) -> dict[str, Any]:
        password = known.get(env_key(name)) or secrets.token_urlsafe(24)
        passwords[name] = password
        if name in hashed:
            raise ValueError(f"user {name!r} is declared twice")
        hashed[name] = bcrypt.hashpw(password.encode(), bcrypt.gensalt(cost)).decode()
        entry: dict[str, Any] = {"user": name, "password": hashed[name]}
        if permissions is not None:
            entry["permissions"] = permissions
        return entry

    svc = access.services
    # What each organisation may read comes from the registry, as on the HTTP side.
    registry = Registry.from_dict(access.model_dump())

    def reads(org: str) -> list[str]:
        found = registry.get(org)
        return report_subjects(found) if found is not None else []

    service_users = [
        user(name, _perm(_service_publishes(name, spec), ["_INBOX.>"]))
        for name, spec in svc.users.items()
    ]
    service_users += [user(name) for name in svc.admins]
    exports: list[dict[str, Any]] = []
    accounts: dict[str, Any] = {}

    for agency, spec in access.agencies.items():
        account = agency_account(agency)
        intake = f"intake.{agency}.>"
        reports = reads(f"agency:{agency}")
        exports.append({"service": intake, "accounts": [account]})
        imports: list[dict[str, Any]] = [{"service": {"account": svc.account, "subject": intake}}]
        for subject in reports:
            exports.append({"stream": subject, "accounts": [account]})
            imports.append({"stream": {"account": svc.account, "subject": subject}})
        # Its own durable readers: programme reports, rejections, completed erasures.
        api_exports, api_imports, publish = _durable_api(access, account)
        exports.extend(api_exports)
        imports.extend(api_imports)
        perms = _perm([intake, *publish], [f"{inbox_prefix(agency)}.>", *reports])
        accounts[account] = {
            "users": [user(u, perms) for u in (spec.users or [agency])],
            "imports": imports,
        }

    for account, subjects, users in readers(access):
        # Live reports as a core-NATS stream import, and the account's own durable consumer
        # for everything it has not acknowledged yet.
        api_exports, api_imports, publish = _durable_api(access, account)
        exports += [{"stream": subject, "accounts": [account]} for subject in subjects]
        exports.extend(api_exports)
        accounts[account] = {
            "users": [user(u.lower(), _perm(publish, [*subjects, "_INBOX.>"])) for u in users],
            "imports": [
                *({"stream": {"account": svc.account, "subject": s}} for s in subjects),
                *api_imports,
            ],
        }

    accounts = {
        svc.account: {"jetstream": "enabled", "users": service_users, "exports": exports},
        **accounts,
        "SYS": {"users": [user("sys")]},
    }
    return {"accounts": accounts, "system_account": "SYS"}


def render(config: dict[str, Any], tls: Tls | None = None) -> str:
    """nats-server configuration text (its format accepts JSON values)."""
    lines = ["# Generated by `cohort access`: do not edit; edit the access file and re-run."]
    for key, value in config.items():
        lines.append(f"{key}: {json.dumps(value, indent=2)}")
    if tls is not None:
        lines.append(f"tls: {json.dumps(tls.model_dump(exclude_none=True), indent=2)}")
    return "\n".join(lines) + "\n"


def read_env(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                out[key.strip()] = value.strip()
    return out


def generate(access_path: Path, out: Path, cost: int = 11) -> list[str]:
    """Write `accounts.conf` and `passwords.env` into `out`; return the users."""
    access = load(access_path)
    out.mkdir(parents=True, exist_ok=True)
    env_path = out / "passwords.env"
    passwords: dict[str, str] = {}
    config = build(access, passwords, read_env(env_path), cost)
    (out / "accounts.conf").write_text(render(config, access.tls))
    users = sorted(passwords)
    env_path.touch(mode=0o600)
    os.chmod(env_path, 0o600)
    env_path.write_text(
        "# Generated by `cohort access`: NATS passwords of every user. Keep secret.\n"
        + "".join(f"{env_key(u)}={passwords[u]}\n" for u in users)
    )
    return users
