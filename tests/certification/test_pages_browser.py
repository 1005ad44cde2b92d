"""The verification page in a real headless Chromium (Debian's), on a phone-sized screen,
in English, French and Arabic: what a reader sees, the file check used as a person would
(choose the file, press the button), and axe-core's accessibility check of each page.

Screenshots go to tests/artifacts/ (not committed), with the certificate PDF rendered to
an image in French and Arabic.
"""

from __future__ import annotations

import io
import json
from urllib.parse import urlsplit

import pytest

from tests.browser import ARGS, ARTIFACTS, CHROMIUM, axe_violations, open_page, requires_chromium
from tests.certification import events
from tests.certification.test_pages import one_certificate
from tests.certification.test_service import client, count_at_least
from tests.certification.test_service import service as service  # the fixture
from tests.harness import eventually, publish_event, served

PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(420), requires_chromium]


async def test_the_verification_page_in_chromium_in_three_languages(js, service, database_url):
    from playwright.async_api import async_playwright

    row = await one_certificate(js, database_url)
    code, cid = row["verification_code"], row["url_id"]
    async with client(service) as http:
        credential = (await http.get(f"/credentials/{cid}")).json()
        pdf = (await http.get(f"/credentials/{cid}.pdf")).content
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    import pypdfium2

    pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil().save(ARTIFACTS / "certificate-ar.png")
    tampered = json.loads(json.dumps(credential))
    tampered["credentialSubject"]["identifier"][1]["identityHash"] = "Someone Else"
    requested: list[str] = []
    problems: dict[str, list] = {}

    async with served(service.http_app) as base, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for lang, heading in (
                ("en", "This certificate is valid"),
                ("fr", "Ce certificat est valide"),
                ("ar", "هذه الشهادة سارية"),
            ):
                url = f"{base}/verify/{code}"
                page = await open_page(
                    browser, url, lang, requested, viewport=PHONE, device_scale_factor=2
                )
                assert await page.locator("h1").inner_text() == heading
                assert await page.locator(".holder").inner_text() == "Fatima Said Ali"
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], (lang, width)
                problems[f"verify-{lang}"] = await axe_violations(page)
                await page.screenshot(path=str(ARTIFACTS / f"verify-{lang}.png"), full_page=True)

                # The file check, as a person does it: choose the file, press the button.
                for name, document in (("valid", credential), ("tampered", tampered)):
                    await page.set_input_files(
                        "#credential",
                        files=[
                            {
                                "name": f"{name}.json",
                                "mimeType": "application/json",
                                "buffer": json.dumps(document).encode(),
                            }
                        ],
                    )
                    async with page.expect_navigation():
                        await page.click("button[type=submit]")
                    verdict = page.locator("section.verdict")
                    expected = "valid" if name == "valid" else "invalid"
                    assert await verdict.get_attribute("data-status") == expected
                    assert await page.get_attribute("html", "lang") == lang
                    problems[f"file-{name}-{lang}"] = await axe_violations(page)
                    await page.screenshot(
                        path=str(ARTIFACTS / f"verify-file-{name}-{lang}.png"), full_page=True
                    )
                await page.context.close()

            # A revoked certificate, read on a desktop screen in French.
            await publish_event(
                js,
                events.revocation(row["certificate_id"], reason="Délivré à la mauvaise personne"),
            )

            async def revoked() -> bool | None:
                async with client(service) as http:
                    answer = (await http.get(f"/verify/{code}")).json()
                return True if answer["status"] == "revoked" else None

            await eventually(revoked)
            context = await browser.new_context(
                viewport={"width": 1100, "height": 900}, locale="fr"
            )
            page = await context.new_page()
            page.on("request", lambda request: requested.append(request.url))
            await page.goto(f"{base}/verify/{code}")
            assert await page.locator("section.verdict").get_attribute("data-status") == "revoked"
            assert "Délivré à la mauvaise personne" in await page.locator(".reason").inner_text()
            problems["verify-revoked-fr"] = await axe_violations(page)
            await page.screenshot(path=str(ARTIFACTS / "verify-revoked-fr.png"), full_page=True)
            await page.goto(f"{base}/verify/ZZZZ-ZZZZ?lang=ar")
            assert await page.locator("section.verdict").get_attribute("data-status") == "unknown"
            problems["verify-unknown-ar"] = await axe_violations(page)
            await page.screenshot(path=str(ARTIFACTS / "verify-unknown-ar.png"), full_page=True)
            await context.close()
        finally:
            await browser.close()

    assert {k: v for k, v in problems.items() if v} == {}
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts == {"127.0.0.1"}, f"requests left localhost: {requested}"


async def test_the_french_certificate_as_an_image(js, service, database_url):
    """Not an assertion on pixels: the French PDF rendered for people to look at."""
    import pypdf
    import pypdfium2

    await one_certificate(js, database_url, languages=["fr"], country="COM", city="Moroni")
    (row,) = await eventually(lambda: count_at_least(database_url, 1))
    async with client(service) as http:
        pdf = (await http.get(f"/credentials/{row['url_id']}.pdf")).content
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Comores" in text and "nov. 2022" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil().save(ARTIFACTS / "certificate-fr.png")
