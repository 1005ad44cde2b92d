"""`cohort realm FILE --out realm.json`: a Keycloak realm import from the organisation registry.

One confidential client per agency, ministry and donor, with a service account (the
client-credentials grant), a hardcoded `cohort_org` claim and the `cohort-api` audience,
so its access tokens are exactly what the services expect (docs/operations.md). Operators
are people: they sign in with MFA and get `cohort_org: ops` from a group, set up by hand.
Client secrets are not in the file: Keycloak generates them on import.
"""

from __future__ import annotations

from typing import Any

from cohort_kit.auth import Registry

AUDIENCE = "cohort-api"
ORG_CLAIM = "cohort_org"
CLIENT_KINDS = ("agency", "ministry", "donor")


def _mapper(name: str, kind: str, config: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "protocol": "openid-connect",
        "protocolMapper": kind,
        "consentRequired": False,
        "config": config,
    }


def client(org_id: str, name: str, audience: str = AUDIENCE) -> dict[str, Any]:
    return {
        "clientId": org_id,
        "name": name,
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": False,
        "clientAuthenticatorType": "client-secret",
        "serviceAccountsEnabled": True,
        "standardFlowEnabled": False,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "fullScopeAllowed": False,
        "protocolMappers": [
            _mapper(
                ORG_CLAIM,
                "oidc-hardcoded-claim-mapper",
                {
                    "claim.name": ORG_CLAIM,
                    "claim.value": org_id,
                    "jsonType.label": "String",
                    "access.token.claim": "true",
                    "id.token.claim": "false",
                    "userinfo.token.claim": "false",
                },
            ),
            _mapper(
                "audience",
                "oidc-audience-mapper",
                {
                    "included.custom.audience": audience,
                    "access.token.claim": "true",
                    "id.token.claim": "false",
                },
            ),
        ],
    }


def realm(registry: Registry, name: str = "cohort", audience: str = AUDIENCE) -> dict[str, Any]:
    clients = [client(o.id, o.name, audience) for o in registry if o.kind in CLIENT_KINDS]
    return {
        "realm": name,
        "enabled": True,
        "sslRequired": "external",
        "accessTokenLifespan": 300,  # five minutes: the revocation delay of a token
        "defaultSignatureAlgorithm": "ES256",
        "clients": sorted(clients, key=lambda c: c["clientId"]),
    }
