"""Which key signs for an agency, and which public keys verify: settings first, then the
service database (old keys are kept there so rotation never breaks old credentials)."""

from __future__ import annotations

import os

from cohort_kit import Invalid
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from . import store
from .credentials.document import Urls
from .credentials.keys import SigningKey, key_id, multibase_public_key
from .credentials.verifying import VerificationMethod
from .settings import CertificationSettings


def _public(seed: bytes) -> bytes:
    return (
        Ed25519PrivateKey.from_private_bytes(seed)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


async def signing_key(
    con: store.Con, settings: CertificationSettings, urls: Urls, agency: str
) -> SigningKey:
    configured = settings.signing_keys.get(agency)
    if configured:
        seed = bytes.fromhex(configured)
        public = _public(seed)
        kid = key_id(urls.issuer(agency), public)
        row = await store.active_key(con, agency)
        if row is None or row["key_id"] != kid:
            await store.activate_key(con, agency, kid, multibase_public_key(public), None)
        return SigningKey(seed, kid)
    row = await store.active_key(con, agency)
    if row is None and settings.dev_keys:
        await con.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 5))", agency)
        row = await store.active_key(con, agency)
        if row is None:
            seed = os.urandom(32)
            public = _public(seed)
            kid = key_id(urls.issuer(agency), public)
            await store.activate_key(con, agency, kid, multibase_public_key(public), seed)
            row = await store.active_key(con, agency)
    if row is None or row["seed"] is None:
        raise Invalid("no_signing_key", f"no signing key configured for agency {agency!r}")
    return SigningKey(bytes(row["seed"]), row["key_id"])


async def verification_methods(
    con: store.Con, urls: Urls, agency: str
) -> dict[str, VerificationMethod]:
    """Every key the agency ever used, current and retired."""
    return {
        row["key_id"]: VerificationMethod(
            id=row["key_id"],
            controller=urls.issuer(agency),
            public_key_multibase=row["public_key_multibase"],
        )
        for row in await store.keys_of(con, agency)
    }
