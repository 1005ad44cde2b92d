"""The verification page and the printed certificate, as people read them, against a real
NATS JetStream and PostgreSQL: words, dates and country names in the reader's language,
the uploaded-file check (valid, tampered, revoked, not JSON), the superseded link, names
isolated for bidirectional text, and the PDF's text in the certificate's language."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import httpx
import pytest
from cohort_certification.texts import TEXTS
from markupsafe import escape

from tests.certification import events
from tests.certification.test_service import client, count_at_least, facts
from tests.certification.test_service import service as service  # the fixture
from tests.harness import eventually, publish_event

pytestmark = pytest.mark.integration

RLO_NAME = "Ali\u202eevil"  # a right-to-left override smuggled into a family name


def html_of(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def says(page: str, text: str) -> bool:
    """The text is on the page (as the template escapes it)."""
    return str(escape(text)) in page


def status_of(page: str) -> str:
    found = re.search(r'class="verdict verdict-(\w+)" data-status="(\w+)"', page)
    assert found, page[:500]
    return found.group(2)


def dd(page: str, key: str) -> str:
    found = re.search(rf'<dd class="{key}">(.*?)</dd>', page, re.S)
    assert found, f"no {key} in page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


async def upload(http: httpx.AsyncClient, body: bytes, lang: str = "fr") -> httpx.Response:
    return await http.post(
        f"/verify/file?lang={lang}",  # as the form posts it
        files={"credential": ("credential.json", body, "application/json")},
        data={"lang": lang},
    )


async def one_certificate(js: Any, database_url: str, **session: Any) -> Any:
    await publish_event(js, events.course())
    await publish_event(js, events.session(**session))
    await publish_event(js, events.person("icmpd:p-1"))
    await events.publish_completion(js, events.completed("icmpd:e-1", "icmpd:p-1"))
    (row,) = await eventually(lambda: count_at_least(database_url, 1))
    return row


async def test_the_page_speaks_the_readers_language_then_the_certificates(
    js, service, database_url
):
    row = await one_certificate(js, database_url)
    code = row["verification_code"]
    async with client(service) as http:
        # No language wanted: the certificate's (the session's first, Arabic), right to left.
        ar = html_of(await http.get(f"/verify/{code}", headers={"accept": "text/html"}))
        assert '<html lang="ar" dir="rtl">' in ar
        assert status_of(ar) == "valid"
        assert says(ar, TEXTS["ar"]["valid_title"])
        assert dd(ar, "course") == "إعادة الإدماج لصانعي السياسات"
        assert dd(ar, "place") == "Baghdad، العراق"
        assert dd(ar, "training") == "24–28 نوفمبر 2022"
        # A French browser: French words, dates and country, whatever the certificate says.
        fr = html_of(
            await http.get(
                f"/verify/{code}",
                headers={"accept": "text/html", "accept-language": "de-DE, fr;q=0.8, en;q=0.5"},
            )
        )
        assert '<html lang="fr" dir="ltr">' in fr
        assert "Ce certificat est valide" in fr
        assert dd(fr, "training") == "24–28 nov. 2022"
        assert dd(fr, "place") == "Baghdad, Irak"
        assert dd(fr, "qualification") == "MQF, niveau 5"
        assert dd(fr, "credits") == "4 crédits ECTS"
        assert dd(fr, "hours") == "30 heures de formation"
        assert dd(fr, "issuer").startswith("International Centre for Migration Policy")
        # The course exists only in English and Arabic: shown in English, marked as such.
        assert '<bdi lang="en">Reintegration for Policy Makers</bdi>' in fr
        # The issuer's key: its fingerprint (SHA-256 of the public key, grouped).
        fingerprint = re.search(r'<code class="fingerprint" dir="ltr">([0-9A-F ]+)</code>', fr)
        assert fingerprint and len(fingerprint.group(1).replace(" ", "")) == 64
        # The documents: the signed credential and the PDF.
        cid = row["url_id"]  # credentials are served at their random URL id
        assert f'href="https://cohort.example.org/credentials/{cid}"' in fr
        assert f'href="https://cohort.example.org/credentials/{cid}.pdf"' in fr
        # The switch wins over both.
        en = html_of(
            await http.get(
                f"/verify/{code}?lang=en",
                headers={"accept": "text/html", "accept-language": "fr"},
            )
        )
        assert "This certificate is valid" in en
        assert dd(en, "training") == "Nov 24\u2009–\u200928, 2022"
        assert 'href="/verify/' + code + '?lang=ar"' in en
        # An unknown code: 404, in words, with the file check.
        unknown = await http.get(
            "/verify/ZZZZ-ZZZZ", headers={"accept": "text/html", "accept-language": "ar"}
        )
        assert unknown.status_code == 404 and status_of(unknown.text) == "unknown"
        assert says(unknown.text, TEXTS["ar"]["unknown_title"])
        assert 'enctype="multipart/form-data"' in unknown.text
        # Machines still get JSON at the same address.
        assert (await http.get(f"/verify/{code}")).json()["status"] == "valid"


async def test_an_uploaded_file_is_checked_like_the_api_and_answered_in_words(
    js, service, database_url
):
    row = await one_certificate(js, database_url)
    cid = row["url_id"]  # credentials are served at their random URL id
    async with client(service) as http:
        credential = (await http.get(f"/credentials/{cid}")).json()
        body = json.dumps(credential).encode()

        valid = await upload(http, body)
        assert valid.status_code == 200 and status_of(valid.text) == "valid"
        assert "Le fichier est une attestation authentique et valide" in valid.text
        assert dd(valid.text, "number") == row["number"]

        tampered = json.loads(body)
        tampered["credentialSubject"]["identifier"][1]["identityHash"] = "Someone Else"
        bad = await upload(http, json.dumps(tampered).encode())
        assert status_of(bad.text) == "invalid"
        assert says(bad.text, TEXTS["fr"]["error_signature"])
        assert row["number"] not in bad.text  # nothing from a record it does not match
        assert (await http.post("/verify", json=tampered)).json()["status"] == "invalid"

        unsigned = {k: v for k, v in credential.items() if k != "proof"}
        no_proof = await upload(http, json.dumps(unsigned).encode(), "ar")
        assert says(no_proof.text, TEXTS["ar"]["error_no_proof"])

        nothing = await http.post("/verify/file?lang=fr")
        assert nothing.status_code == 400 and says(nothing.text, TEXTS["fr"]["file_missing"])
        garbage = await upload(http, b"\x89PNG not json")
        assert garbage.status_code == 400 and says(garbage.text, TEXTS["fr"]["file_unreadable"])
        too_big = await upload(http, b" " * (300 * 1024))
        assert too_big.status_code == 413 and says(too_big.text, TEXTS["fr"]["file_too_large"])

        await publish_event(
            js, events.revocation(row["certificate_id"], reason="Issued to the wrong participant")
        )

        async def revoked() -> Any:
            answer = (await http.post("/verify", json=credential)).json()
            return answer if answer["status"] == "revoked" else None

        await eventually(revoked)
        gone = await upload(http, body, "en")
        assert status_of(gone.text) == "revoked"
        assert "The file is genuine, but the credential has been revoked" in gone.text
        assert "Reason given: Issued to the wrong participant" in gone.text
        page = await http.get(
            f"/verify/{row['verification_code']}",
            headers={"accept": "text/html", "accept-language": "en"},
        )
        assert status_of(page.text) == "revoked"
        assert "This certificate has been revoked" in page.text
        assert re.search(r"revoked it on \w+ \d+, \d{4}\.", page.text)  # a date in words
        assert "Reason given: Issued to the wrong participant" in page.text


async def test_a_replaced_certificate_links_to_the_new_one_and_names_are_isolated(
    js, service, database_url
):
    await one_certificate(js, database_url)
    await publish_event(js, events.person("icmpd:p-1", family_name=RLO_NAME))
    old, new = await eventually(lambda: count_at_least(database_url, 2))
    async with client(service) as http:
        page = html_of(
            await http.get(
                f"/verify/{old['verification_code']}",
                headers={"accept": "text/html", "accept-language": "fr"},
            )
        )
        assert status_of(page) == "superseded"
        assert "Ce certificat a été remplacé" in page
        link = f'href="https://cohort.example.org/verify/{new["verification_code"]}?lang=fr"'
        assert link in page
        current = html_of(
            await http.get(
                f"/verify/{new['verification_code']}",
                headers={"accept": "text/html", "accept-language": "fr"},
            )
        )
        # The override stays inside its <bdi>: it cannot reverse the words around it.
        assert f'<p class="holder"><bdi>Fatima {RLO_NAME}</bdi></p>' in current
        pdf = await http.get(f"/credentials/{new['url_id']}.pdf")
    import pypdf

    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "\u202e" not in text and "Fatima Alievil" in text


async def test_the_pdf_prints_dates_and_country_in_the_certificates_language(
    js, service, database_url
):
    import pypdf

    await facts(js, "icmpd:p-fr")
    await publish_event(
        js,
        events.session(
            "icmpd:com-2023-06",
            languages=["fr"],
            country="COM",
            city="Moroni",
            venue="Retaj Hotel",
            start_date="2023-06-05",
            end_date="2023-06-09",
        ),
    )
    await events.publish_completion(
        js, events.completed("icmpd:e-fr", "icmpd:p-fr", sid="icmpd:com-2023-06")
    )
    (row,) = await eventually(lambda: count_at_least(database_url, 1))
    async with client(service) as http:
        response = await http.get(f"/credentials/{row['url_id']}.pdf")
    text = pypdf.PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "CERTIFICAT DE RÉUSSITE" in text
    assert "5–9 juin 2023 · Retaj Hotel, Moroni, Comores" in text
    assert "30 heures de formation · Qualification : MQF, niveau 5 · 4 crédits ECTS" in text
    assert "2023-06-05" not in text and "COM" not in text.replace("Comores", "")
    assert "Délivré le" in text and row["number"] in text
