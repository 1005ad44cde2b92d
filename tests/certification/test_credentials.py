"""Credentials: the known-answer vector, tampering, RDFC-1.0 escaping, safe mode, status lists."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cohort_certification.credentials import status_list
from cohort_certification.credentials.canon import (
    UnsafeDocument,
    canonicalize,
    proof_config,
    rdfc_escape,
)
from cohort_certification.credentials.document import Urls, credential_document
from cohort_certification.credentials.keys import (
    SigningKey,
    b58decode,
    b58encode,
    key_id,
)
from cohort_certification.credentials.signing import sign
from cohort_certification.credentials.verifying import VerificationMethod, verify

from tests.certification.events import TAMPERINGS
from tests.certification.events import credential_facts as facts

pytestmark = pytest.mark.unit

VECTOR = json.loads((Path(__file__).parent / "ob3-test-vector.json").read_text())
URLS = Urls("https://cohort.example.org")
SEED = bytes(range(32))
ISSUER = URLS.issuer("icmpd")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_1edtech_vector_is_reproduced_exactly():
    signed = VECTOR["signed_credential"]
    document = {k: v for k, v in signed.items() if k != "proof"}
    expected = VECTOR["expected"]
    assert sha(canonicalize(document)) == expected["sha256_canonical_document"]
    config = proof_config(document, signed["proof"])
    assert sha(canonicalize(config)) == expected["sha256_canonical_proof_config"]
    key = SigningKey(bytes.fromhex(VECTOR["ed25519_seed_hex"]), VECTOR["verification_method"])
    ours = sign(document, key, VECTOR["created"])
    assert ours["proof"]["proofValue"] == expected["proofValue"]
    assert ours == signed


def our_credential(**over) -> tuple[dict, VerificationMethod]:
    key = SigningKey(SEED, "")
    kid = key_id(ISSUER, key.public_raw)
    key = SigningKey(SEED, kid)
    doc = credential_document(
        urls=URLS,
        secret="s",
        certificate_id="icmpd:cert-2022-000007",
        url_id="Zq3v0w5X2bYH1kQmJ8cT_A",
        agency="icmpd",
        agency_name="ICMPD",
        kind="completion",
        issued_at=datetime(2022, 11, 28, 13, 0, tzinfo=UTC),
        status_index=7,
        facts=over.get("facts") or facts(),
    )
    method = VerificationMethod(kid, ISSUER, key.multibase)
    return sign(doc, key, "2022-11-28T13:00:00Z"), method


def test_our_credential_verifies_with_the_issuers_key():
    credential, method = our_credential()
    result = verify(credential, {method.id: method}.get)
    assert result.verified, result.errors
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    subject = credential["credentialSubject"]
    assert subject["identifier"][0]["identityHash"].startswith("sha256$")
    assert subject["achievement"]["alignment"][0]["targetFramework"] == "MQF"


@pytest.mark.parametrize("path, value", TAMPERINGS)
def test_tampering_with_any_field_breaks_the_signature(path, value):
    credential, method = our_credential()
    tampered = copy.deepcopy(credential)
    target = tampered
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    assert verify(credential, {method.id: method}.get).verified
    result = verify(tampered, {method.id: method}.get)
    assert not result.verified
    assert "signature does not match" in result.errors


def test_an_added_undefined_term_is_refused_not_left_unsigned():
    credential, method = our_credential()
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["grade"] = "A+"
    result = verify(tampered, {method.id: method}.get)
    assert not result.verified and "not defined" in " ".join(result.errors)
    with pytest.raises(UnsafeDocument):
        canonicalize({k: v for k, v in tampered.items() if k != "proof"})


def test_a_key_of_another_controller_is_refused():
    credential, method = our_credential()
    other = VerificationMethod(method.id, URLS.issuer("iom"), method.public_key_multibase)
    result = verify(credential, {method.id: other}.get)
    assert not result.verified
    assert "issuer is not the controller of the verification method" in result.errors


def test_an_arabic_name_and_control_characters_sign_and_verify():
    credential, method = our_credential(facts=facts("مصطفى", "محمود\u0007\u000b"))
    assert verify(credential, {method.id: method}.get).verified
    nquads = canonicalize({k: v for k, v in credential.items() if k != "proof"})
    assert "\\u0007\\u000B" in nquads and "محمود" in nquads


def test_rdfc_escaping_follows_rdfc_1_0():
    assert rdfc_escape('a"b\\c\n\r\t\b\f\u0000\u001f\u007fé') == (
        'a\\"b\\\\c\\n\\r\\t\\b\\f\\u0000\\u001F\\u007Fé'
    )


def test_base58_round_trips_and_keeps_leading_zeros():
    for data in (b"", b"\0\0abc", bytes(range(64))):
        assert b58decode(b58encode(data)) == data


def test_the_status_list_sets_exactly_the_revoked_bits():
    encoded = status_list.encode([0, 7, 100_000])
    assert encoded.startswith("u")
    assert [i for i in (0, 1, 7, 8, 99_999, 100_000) if status_list.is_set(encoded, i)] == [
        0,
        7,
        100_000,
    ]
