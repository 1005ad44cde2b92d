"""The participant page in a real headless Chromium (Debian's), on a phone-sized screen.

Fatima's page (French; three sessions delivered in French and English), Amina's (Arabic,
right to left) and a refused link are opened with Playwright (`executable_path`, never a
downloaded browser); what is shown is read from the DOM; every request the pages make must
stay on 127.0.0.1. Screenshots go to tests/artifacts/ (not committed).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from tests.browser import ARGS, ARTIFACTS, CHROMIUM, axe_violations, requires_chromium
from tests.participant_page.conftest import Served
from tests.participant_page.scenario import (
    AMINA,
    EMM_FR,
    FATIMA,
    GUIDE_AR,
    HANDBOOK_EN,
    HANDBOOK_FR,
    MOUSSA,
    play,
)

PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(300),  # axe on four pages, on a shared machine
    requires_chromium,
]


async def test_the_page_in_chromium_in_french_and_arabic_on_a_phone(js, served: Served):
    from playwright.async_api import async_playwright

    await play(js)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    problems: dict[str, list] = {}

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(viewport=PHONE, device_scale_factor=2)
            page = await context.new_page()
            page.on("request", lambda request: requested.append(request.url))

            # Fatima, in French.
            res = await page.goto(served.link(FATIMA))
            assert res is not None and res.status == 200
            assert await page.get_attribute("html", "lang") == "fr"
            assert await page.get_attribute("html", "dir") == "ltr"
            assert await page.locator("main h1").inner_text() == "Vos formations"
            sessions = page.locator("main article.session")
            assert await sessions.count() == 3
            statuses = {
                await s.get_attribute("data-session"): (
                    await s.locator(".status").get_attribute("data-status"),
                    await s.locator(".status-text").inner_text(),
                )
                for s in await sessions.all()
            }
            assert statuses == {
                "iom:s-1": ("completed", "Formation réussie"),
                "iom:s-2": ("waitlisted", "Sur liste d'attente, position 2"),
                "iom:s-3": ("confirmed", "Place confirmée"),
            }
            s1 = page.locator('article[data-session="iom:s-1"]')
            assert await s1.locator("h3").inner_text() == EMM_FR
            assert await s1.locator("dd.dates").inner_text() == "5–9 juin 2023"
            assert await s1.locator("dd.venue").inner_text() == "Retaj Hotel, Moroni"
            assert await s1.locator("dd.timezone").inner_text() == "Indian/Comoro (UTC+03:00)"
            materials = s1.locator("ul.materials a")
            assert [await a.get_attribute("href") for a in await materials.all()] == [
                HANDBOOK_FR,
                HANDBOOK_EN,
            ]
            assert await materials.first.inner_text() == "Manuel du participant"
            assert (await s1.locator("ul.materials .language").all_inner_texts()) == [
                "(en français)",
                "(en anglais)",
            ]
            s2 = page.locator('article[data-session="iom:s-2"]')
            assert (
                await s2.locator("h3 bdi[lang=en]").inner_text() == "Reintegration case management"
            )
            assert await s2.locator("ul.materials a").get_attribute("href") == GUIDE_AR
            # Certificates: a table with headers; the valid one's PDF and verification page.
            headers = await page.locator("table.certificates thead th[scope=col]").all_inner_texts()
            assert headers == ["Cours", "Délivré le", "Code de vérification", "Documents", "Statut"]
            valid = page.locator('tr[data-certificate="iom:cert-0002"]')
            assert await valid.locator("a.pdf").get_attribute("href") == (
                "https://certs.example.org/credentials/iom:cert-0002.pdf"
            )
            assert await valid.locator("a.verify").get_attribute("href") == (
                "https://certs.example.org/verify/CODE-0002"
            )
            assert await valid.locator(".cert-status").inner_text() == "Valide"
            revoked = page.locator('tr[data-certificate="iom:cert-0001"]')
            assert (await revoked.locator(".cert-status").inner_text()).startswith("Révoqué le")
            assert await revoked.locator("a.pdf").count() == 0
            assert await valid.locator("a.credential").get_attribute("href") == (
                "https://certs.example.org/credentials/iom:cert-0002"
            )
            linkedin = await valid.locator("a.linkedin").get_attribute("href")
            assert linkedin is not None
            assert linkedin.startswith("https://www.linkedin.com/profile/add?")
            assert await valid.locator("a.linkedin").inner_text() == "Ajouter à mon profil LinkedIn"
            assert await revoked.locator("a.linkedin").count() == 0
            # Readable on a phone: nothing wider than the screen but the table's own scroller.
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], width
            # The form has a label bound to its field.
            assert await page.get_by_label("Adresse e-mail").count() == 1
            body = await page.inner_text("body")
            assert "Amina" not in body and "Moussa" not in body
            problems["participant-page-fr"] = await axe_violations(page)
            await page.screenshot(path=str(ARTIFACTS / "participant-page-fr.png"), full_page=True)

            # Moussa's page, in English.
            res = await page.goto(served.link(MOUSSA))
            assert res is not None and res.status == 200
            assert await page.get_attribute("html", "lang") == "en"
            assert await page.locator("main h1").inner_text() == "Your trainings"
            problems["participant-page-en"] = await axe_violations(page)
            await page.screenshot(path=str(ARTIFACTS / "participant-page-en.png"), full_page=True)

            # Amina, in Arabic, right to left.
            res = await page.goto(served.link(AMINA))
            assert res is not None and res.status == 200
            assert await page.get_attribute("html", "lang") == "ar"
            assert await page.get_attribute("html", "dir") == "rtl"
            assert await page.locator("main h1").inner_text() == "تدريباتك"
            direction = await page.evaluate("getComputedStyle(document.body).direction")
            assert direction == "rtl"
            amina = {
                await s.get_attribute("data-session"): await s.locator(".status").get_attribute(
                    "data-status"
                )
                for s in await page.locator("main article.session").all()
            }
            assert amina == {"iom:s-1": "rejected", "iom:s-2": "confirmed", "iom:s-3": "cancelled"}
            s2 = page.locator('article[data-session="iom:s-2"]')
            assert await s2.locator("h3").inner_text() == "إدارة حالات إعادة الإدماج"
            assert await s2.locator("ul.materials a").inner_text() == "دليل المشارك"
            assert "لا توجد شهادات بعد." in await page.inner_text("main")
            body = await page.inner_text("body")
            assert "Fatima" not in body and "cert-" not in await page.content()
            problems["participant-page-ar"] = await axe_violations(page)
            await page.screenshot(path=str(ARTIFACTS / "participant-page-ar.png"), full_page=True)

            # An expired link: what to do, and nothing about anyone.
            res = await page.goto(served.link(FATIMA, expires_in=timedelta(seconds=-5)))
            assert res is not None and res.status == 410
            assert "Fatima" not in await page.inner_text("body")
            await page.fill("#email", "someone@example.org")
            async with page.expect_navigation():
                await page.click("button[type=submit]")
            assert "If this address is registered" in await page.inner_text("main")
            problems["participant-page-sent-en"] = await axe_violations(page)
            await page.screenshot(path=str(ARTIFACTS / "participant-page-expired.png"))
        finally:
            await browser.close()

    assert {k: v for k, v in problems.items() if v} == {}
    assert requested, "the pages made no request at all"
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts == {"127.0.0.1"}, f"requests left localhost: {requested}"
