"""The Keycloak realm import comes from the registry: one client per agency, ministry and
donor, whose tokens would carry its organisation and the services' audience."""

from __future__ import annotations

import json

import pytest
from cohort_cli.keycloak import realm
from cohort_cli.main import parser
from cohort_kit.auth import Registry

from tests.auth import REGISTRY


def cohort(argv: list[str]) -> int:
    """A `cohort` command in-process, without `main()`'s logging set-up (which would stay
    configured, and cached, for every later test of this process)."""
    args = parser().parse_args(argv)
    return int(args.func(args))


pytestmark = pytest.mark.unit


def test_one_client_per_reading_organisation_with_its_claim_and_audience(tmp_path):
    registry = Registry.load(REGISTRY)
    out = tmp_path / "realm.json"
    assert cohort(["realm", str(REGISTRY), "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document == realm(registry)
    clients = {c["clientId"]: c for c in document["clients"] if not c["publicClient"]}
    expected = {o.id for o in registry if o.kind in ("agency", "ministry", "donor")}
    assert set(clients) == expected and "ops" not in clients
    for org, spec in clients.items():
        assert spec["serviceAccountsEnabled"] and not spec["publicClient"]
        mappers = {m["protocolMapper"]: m["config"] for m in spec["protocolMappers"]}
        claim = mappers["oidc-hardcoded-claim-mapper"]
        assert (claim["claim.name"], claim["claim.value"]) == ("cohort_org", org)
        assert mappers["oidc-audience-mapper"]["included.custom.audience"] == "cohort-api"
        assert "secret" not in spec


def test_people_sign_in_through_one_public_pkce_client_with_a_group_per_organisation(tmp_path):
    registry = Registry.load(REGISTRY)
    out = tmp_path / "realm.json"
    url = "https://reports.example.org/"
    assert cohort(["realm", str(REGISTRY), "--out", str(out), "--dashboard-url", url]) == 0
    document = json.loads(out.read_text())
    public = [c for c in document["clients"] if c["publicClient"]]
    assert [c["clientId"] for c in public] == ["cohort-dashboard"]
    dashboard = public[0]
    assert dashboard["standardFlowEnabled"] and not dashboard["implicitFlowEnabled"]
    assert not dashboard["directAccessGrantsEnabled"] and not dashboard["serviceAccountsEnabled"]
    assert dashboard["attributes"]["pkce.code.challenge.method"] == "S256"
    assert dashboard["redirectUris"] == ["https://reports.example.org/signin-callback"]
    mappers = {m["protocolMapper"]: m["config"] for m in dashboard["protocolMappers"]}
    claim = mappers["oidc-usermodel-attribute-mapper"]
    assert (claim["user.attribute"], claim["claim.name"]) == ("cohort_org", "cohort_org")
    assert claim["access.token.claim"] == "true"
    assert mappers["oidc-audience-mapper"]["included.custom.audience"] == "cohort-api"
    groups = {g["name"]: g["attributes"]["cohort_org"] for g in document["groups"]}
    expected = {o.id for o in registry if o.kind != "service"}
    assert set(groups) == expected and all(v == [k] for k, v in groups.items())
