"""Credentials signed by our Python code verify in an independent implementation.

The independent verifier is the Digital Bazaar JavaScript stack (`@digitalbazaar/vc`,
`data-integrity`, `eddsa-rdfc-2022-cryptosuite`; versions pinned in `js/package-lock.json`),
run by `js/verify.mjs` with a fail-closed document loader: only the pinned contexts and the
issuer's controller document built here, no network. Every case is also checked with our
own verifier, and the two must agree.

Needs Node.js and npm (skipped otherwise); `npm ci` is run once when `js/node_modules` is
missing.
"""

from __future__ import annotations

import copy
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cohort_certification.credentials import status_list
from cohort_certification.credentials.canon import CREDENTIAL_CONTEXT, canonicalize
from cohort_certification.credentials.document import (
    Urls,
    credential_document,
    issuer_profile,
    status_list_document,
)
from cohort_certification.credentials.keys import SigningKey, key_id
from cohort_certification.credentials.signing import sign
from cohort_certification.credentials.verifying import VerificationMethod, verify

from tests.certification.events import TAMPERINGS
from tests.certification.events import credential_facts as facts
from tests.harness import node_with_packages

pytestmark = pytest.mark.integration

JS = Path(__file__).parent / "js"
VECTOR = json.loads((Path(__file__).parent / "ob3-test-vector.json").read_text())
URLS = Urls("https://cohort.example.org")
AGENCY = "icmpd"
ISSUER = URLS.issuer(AGENCY)
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
CREATED = "2022-11-28T13:00:00Z"
CONTROLS = '\u0000\u0007\b\t\n\u000b\f\r\u001b\u001f\u007f"\\'


@pytest.fixture(scope="module")
def node() -> str:
    """Path of `node`, with the verifier's dependencies installed (or the test is skipped)."""
    return node_with_packages(JS, "the independent verifier")


def js_verify(node: str, credential: dict[str, Any], documents: dict[str, Any]) -> dict:
    done = subprocess.run(
        [node, str(JS / "verify.mjs")],
        input=json.dumps({"credential": credential, "documents": documents}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip(), f"verify.mjs printed nothing:\n{done.stderr}"
    return json.loads(done.stdout)


# -- what our code produces ---------------------------------------------------------------


def key() -> SigningKey:
    raw = SigningKey(SEED, "").public_raw
    return SigningKey(SEED, key_id(ISSUER, raw))


def controller_document(signing: SigningKey) -> dict[str, Any]:
    """Same shape as `GET /issuers/{agency}` (api.py): DID v1 context first, every key a
    `Multikey` under `verificationMethod` and `assertionMethod`."""
    method = {
        "id": signing.verification_method,
        "type": "Multikey",
        "controller": ISSUER,
        "publicKeyMultibase": signing.multibase,
    }
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
            *CREDENTIAL_CONTEXT,
        ],
        **issuer_profile(URLS, AGENCY, "ICMPD"),
        "verificationMethod": [method],
        "assertionMethod": [method["id"]],
        "activeKey": method["id"],
    }


def unsigned(
    given: str = "Media", family: str = "Al-Jubouri", index: int = 7, **title: str
) -> dict:
    return credential_document(
        urls=URLS,
        secret="s",
        certificate_id=f"icmpd:cert-2022-{index:06d}",
        url_id=f"url-id-{index}",
        agency=AGENCY,
        agency_name="ICMPD",
        kind="completion",
        issued_at=datetime(2022, 11, 28, 13, 0, tzinfo=UTC),
        status_index=index,
        facts=facts(given, family, **title),
    )


def rtl(text: str) -> dict[str, str]:
    return {"@value": text, "@language": "ar", "@direction": "rtl"}


def with_directions(document: dict[str, Any]) -> dict[str, Any]:
    """Arabic values as value objects with `@direction: rtl` (the i18n-datatype trap)."""
    doc = copy.deepcopy(document)
    doc["name"] = rtl(doc["name"])
    doc["description"] = rtl(doc["description"])
    achievement = doc["credentialSubject"]["achievement"]
    achievement["name"] = rtl(achievement["name"])
    return doc


CREDENTIALS = {
    "latin name": lambda: unsigned(),
    "arabic name": lambda: unsigned("مصطفى", "محمود"),
    "arabic name, @direction rtl": lambda: with_directions(unsigned("مصطفى", "محمود")),
    "control characters": lambda: unsigned("Media" + CONTROLS, "Al\u0001-Jubouri\u0007\u000b"),
    "arabic, rtl and controls": lambda: with_directions(unsigned("مصطفى\u200f", "محمود\u0007")),
    # Names are data: markup, quotes, backslashes, bidi controls (a `<` was once read as an IRI).
    "markup, quotes and bidi controls": lambda: unsigned(
        'Zoë "Z" <O\'Brien> & <b>',
        "Al\\Jubouri \u202eevil\u202c \u2066x\u2069 </script>",
        title='Re<integration> & "return" <a:b> \u202b\u200f',
    ),
}


def ours(credential: dict[str, Any], signing: SigningKey) -> bool:
    method = VerificationMethod(signing.verification_method, ISSUER, signing.multibase)
    return verify(credential, {method.id: method}.get).verified


def tampered(credential: dict[str, Any], path: tuple, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(credential)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


# -- the tests ----------------------------------------------------------------------------


def test_the_1edtech_vector_verifies_in_javascript(node):
    signed = VECTOR["signed_credential"]
    method_id = VECTOR["verification_method"]
    issuer = signed["issuer"]["id"]
    controller = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": issuer,
        "verificationMethod": [
            {
                "id": method_id,
                "type": "Multikey",
                "controller": issuer,
                "publicKeyMultibase": method_id.split("#", 1)[1],
            }
        ],
        "assertionMethod": [method_id],
    }
    assert js_verify(node, signed, {issuer: controller}) == {"verified": True, "error": None}
    changed = tampered(signed, ("credentialSubject", "achievement", "name"), "Teamwork!")
    assert js_verify(node, changed, {issuer: controller})["verified"] is False


@pytest.mark.parametrize("case", list(CREDENTIALS))
def test_our_credential_verifies_in_javascript(node, case):
    signing = key()
    credential = sign(CREDENTIALS[case](), signing, CREATED)
    result = js_verify(node, credential, {ISSUER: controller_document(signing)})
    assert result == {"verified": True, "error": None}, result
    assert ours(credential, signing)


def test_the_traps_are_really_in_the_signed_data():
    """The cases above exercise what CREDENTIALS.md warns about: the direction is hashed
    (i18n datatype) and control characters are escaped the RDFC-1.0 way."""
    nquads = canonicalize(CREDENTIALS["arabic, rtl and controls"]())
    assert "^^<https://www.w3.org/ns/i18n#ar_rtl>" in nquads
    assert "\\u0007" in nquads and "محمود" in nquads
    controls = canonicalize(CREDENTIALS["control characters"]())
    assert '\\u0000\\u0007\\b\\t\\n\\u000B\\f\\r\\u001B\\u001F\\u007F\\"\\\\' in controls


@pytest.mark.parametrize(
    "path, value", TAMPERINGS, ids=[".".join(map(str, path)) for path, _ in TAMPERINGS]
)
def test_a_tampered_credential_fails_in_javascript(node, path, value):
    signing = key()
    credential = sign(CREDENTIALS["arabic, rtl and controls"](), signing, CREATED)
    changed = tampered(credential, path, value)
    result = js_verify(node, changed, {ISSUER: controller_document(signing)})
    assert result["verified"] is False
    assert not ours(changed, signing)


def test_a_key_not_listed_by_the_issuer_fails_in_javascript(node):
    signing = key()
    other = SigningKey(bytes(32), "")
    other = SigningKey(other.seed, key_id(ISSUER, other.public_raw))
    credential = sign(unsigned(), other, CREATED)  # a key the issuer never published
    result = js_verify(node, credential, {ISSUER: controller_document(signing)})
    assert result["verified"] is False and "not pinned locally" in result["error"]


def test_revocation_status_is_irrelevant_to_the_proof(node):
    """The proof covers the status *entry* (which list, which index), not the bit: the same
    credential verifies whether its bit is set or not, and the status list credentials
    (signed by our code too) verify in JavaScript either way."""
    signing = key()
    documents = {ISSUER: controller_document(signing)}
    credential = sign(unsigned(index=7), signing, CREATED)
    for revoked in ([], [7]):
        encoded = status_list.encode(revoked)
        assert status_list.is_set(encoded, 7) is bool(revoked)
        doc = status_list_document(URLS, AGENCY, "ICMPD", encoded, CREATED)
        status_credential = sign(doc, signing, CREATED)
        assert js_verify(node, status_credential, documents)["verified"] is True
        assert ours(status_credential, signing)
        assert js_verify(node, credential, documents)["verified"] is True
        assert ours(credential, signing)
    for field in ("statusListIndex", "statusListCredential"):
        changed = copy.deepcopy(credential)
        changed["credentialStatus"][field] = "8" if field == "statusListIndex" else ISSUER
        assert js_verify(node, changed, documents)["verified"] is False
