"""One registry, two doors: what an organisation's NATS account receives and what its token
reads over HTTP are the same report scopes, for every organisation of deploy/access.yaml."""

from __future__ import annotations

from typing import Any

import pytest
from cohort_cli.access import build, load
from cohort_kit.auth import Registry, authenticator_from_settings
from cohort_kit.settings import ServiceSettings

from tests.auth import REGISTRY, token

pytestmark = pytest.mark.integration


def scope_of(subject: str) -> str:
    """`reports.country.NER.>` -> `reports:country:NER`; `reports.>` -> `reports:*`."""
    parts = subject.split(".")
    assert parts[0] == "reports" and parts[-1] == ">", subject
    return "reports:*" if len(parts) == 2 else "reports:" + ":".join(parts[1:-1])


def nats_report_scopes(config: dict[str, Any], account: str, user: str) -> set[str]:
    entry = next(u for u in config["accounts"][account]["users"] if u["user"] == user)
    subscribe = entry.get("permissions", {}).get("subscribe", {}).get("allow")
    if "permissions" not in entry:
        subscribe = [">"]
    if account == "COHORT":  # every stream lives here: what the user may subscribe to
        allowed = {"reports.>"} if subscribe and ">" in subscribe else set()
        allowed |= {s for s in subscribe or [] if s.startswith("reports.")}
    else:  # only what was imported, and of that only what the user may subscribe to
        imported = {
            i["stream"]["subject"]
            for i in config["accounts"][account].get("imports", [])
            if "stream" in i
        }
        allowed = imported & set(subscribe or [])
        if subscribe and ">" in subscribe:
            allowed = imported
    return {scope_of(s) for s in allowed if s.startswith("reports.")}


def http_report_scopes(principal_scopes: frozenset[str]) -> set[str]:
    return {s for s in principal_scopes if s.startswith("reports:")}


async def test_every_organisation_reads_the_same_reports_over_nats_and_http(issuer):
    registry = Registry.load(REGISTRY)
    config = build(load(REGISTRY), {}, {}, cost=4)
    auth = authenticator_from_settings(ServiceSettings())
    orgs = list(registry)
    kinds = {o.kind for o in orgs}
    assert kinds == {"agency", "ministry", "donor", "ops", "service"}
    for org in orgs:
        principal = await auth.principal(token(org.id))  # a real token, as a caller sends it
        http = http_report_scopes(principal.scopes)
        for user in org.nats_users:
            nats = nats_report_scopes(config, org.nats_account, user)
            assert nats == http, (org.id, user, nats, http)
        if org.kind in ("ministry", "donor"):
            assert len(http) == 1, org.id  # exactly its own audience


def test_every_nats_user_belongs_to_exactly_one_organisation():
    registry = Registry.load(REGISTRY)
    config = build(load(REGISTRY), {}, {}, cost=4)
    users = {
        (account, u["user"])
        for account, spec in config["accounts"].items()
        if account != "SYS"
        for u in spec["users"]
    }
    owned = [(o.nats_account, u) for o in registry for u in o.nats_users]
    assert sorted(owned) == sorted(users)


def test_a_donor_reads_reports_under_the_name_sessions_give_it():
    registry = Registry.load(REGISTRY)
    eu = registry.get("donor:eu")
    assert eu is not None and eu.scopes == {"reports:donor:European_Union"}
    assert registry.scopes("ministry:NER") == {"reports:country:NER"}
    assert registry.scopes("nobody:else") == frozenset()
