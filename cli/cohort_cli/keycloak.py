"""`cohort realm FILE --out realm.json`: a Keycloak realm import from the organisation registry.

One confidential client per agency, ministry and donor, with a service account (the
client-credentials grant), a hardcoded `cohort_org` claim and the `cohort-api` audience,
so its access tokens are exactly what the services expect (docs/operations.md). Operators
are people: they sign in with MFA and get `cohort_org: ops` from a group, set up by hand.
Client secrets are not in the file: Keycloak generates them on import.

People sign in at the dashboard through one public client, `cohort-dashboard`
(authorization code, PKCE S256 required, redirect URI `<dashboard>/signin-callback`). Its
access tokens get `cohort_org` from the person's user attribute of that name, which each
organisation's group (one per organisation, generated here) sets: put a person in the group
of their organisation, and nowhere else.
"""

from __future__ import annotations

from typing import Any

from cohort_kit.auth import Registry

AUDIENCE = "cohort-api"
ORG_CLAIM = "cohort_org"
CLIENT_KINDS = ("agency", "ministry", "donor")
GROUP_KINDS = (*CLIENT_KINDS, "ops")
DASHBOARD_CLIENT = "cohort-dashboard"
DASHBOARD_URL = "http://127.0.0.1:18083/"


def _mapper(name: str, kind: str, config: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "protocol": "openid-connect",
        "protocolMapper": kind,
        "consentRequired": False,
        "config": config,
    }


def _audience_mapper(audience: str) -> dict[str, Any]:
    """Puts `audience` in the access tokens' `aud`, as the services require."""
    return _mapper(
        "audience",
        "oidc-audience-mapper",
        {
            "included.custom.audience": audience,
            "access.token.claim": "true",
            "id.token.claim": "false",
        },
    )


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
            _audience_mapper(audience),
        ],
    }


def dashboard_client(dashboard_url: str, audience: str = AUDIENCE) -> dict[str, Any]:
    """The public client people sign in with at the dashboard (no secret: PKCE S256)."""
    base = dashboard_url.rstrip("/") + "/"
    return {
        "clientId": DASHBOARD_CLIENT,
        "name": "Cohort dashboard",
        "enabled": True,
        "protocol": "openid-connect",
        "publicClient": True,
        "standardFlowEnabled": True,
        "implicitFlowEnabled": False,
        "directAccessGrantsEnabled": False,
        "serviceAccountsEnabled": False,
        "fullScopeAllowed": False,
        "redirectUris": [base + "signin-callback"],
        "webOrigins": ["+"],
        "rootUrl": base,
        "attributes": {
            "pkce.code.challenge.method": "S256",
            "post.logout.redirect.uris": base + "dashboard",
        },
        "protocolMappers": [
            _mapper(
                ORG_CLAIM,
                "oidc-usermodel-attribute-mapper",
                {
                    "user.attribute": ORG_CLAIM,
                    "claim.name": ORG_CLAIM,
                    "jsonType.label": "String",
                    "multivalued": "false",
                    "aggregate.attrs": "false",
                    "access.token.claim": "true",
                    "id.token.claim": "false",
                    "userinfo.token.claim": "false",
                },
            ),
            _audience_mapper(audience),
        ],
    }


def groups(registry: Registry) -> list[dict[str, Any]]:
    """One group per organisation people act for; its attribute becomes their claim."""
    return sorted(
        (
            {"name": o.id, "attributes": {ORG_CLAIM: [o.id]}}
            for o in registry
            if o.kind in GROUP_KINDS
        ),
        key=lambda g: str(g["name"]),
    )


def realm(
    registry: Registry,
    name: str = "cohort",
    audience: str = AUDIENCE,
    *,
    dashboard_url: str = DASHBOARD_URL,
) -> dict[str, Any]:
    clients = [client(o.id, o.name, audience) for o in registry if o.kind in CLIENT_KINDS]
    return {
        "realm": name,
        "enabled": True,
        "sslRequired": "external",
        "accessTokenLifespan": 300,  # five minutes: the revocation delay of a token
        "defaultSignatureAlgorithm": "ES256",
        "clients": [
            *sorted(clients, key=lambda c: c["clientId"]),
            dashboard_client(dashboard_url, audience),
        ],
        "groups": groups(registry),
    }
