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
    clients = {c["clientId"]: c for c in document["clients"]}
    expected = {o.id for o in registry if o.kind in ("agency", "ministry", "donor")}
    assert set(clients) == expected and "ops" not in clients
    for org, spec in clients.items():
        assert spec["serviceAccountsEnabled"] and not spec["publicClient"]
        mappers = {m["protocolMapper"]: m["config"] for m in spec["protocolMappers"]}
        claim = mappers["oidc-hardcoded-claim-mapper"]
        assert (claim["claim.name"], claim["claim.value"]) == ("cohort_org", org)
        assert mappers["oidc-audience-mapper"]["included.custom.audience"] == "cohort-api"
        assert "secret" not in spec
