"""A person of the Niger ministry signs in at the dashboard in headless Chromium (Debian's),
through the development issuer's sign-in page, and cannot reach Comoros: not by URL, not
by the scope box (which does not offer it, and a forged choice is refused by the server).

No header is set on the browser: what it carries is what the sign-in gave it (cookies).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from cohort_reporting.signin import SESSION

from tests.browser import ARGS, ARTIFACTS, CHROMIUM, axe_violations, requires_chromium
from tests.harness import served
from tests.reporting.test_reporting_service import play

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240), requires_chromium]


async def test_the_niger_ministry_signs_in_and_cannot_reach_comoros(
    js, reporting, database_url, issuer
):
    from playwright.async_api import async_playwright

    await play(js, database_url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    async with served(reporting.http_app) as base, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1100, "height": 900})
            page = await context.new_page()
            page.on("request", lambda request: requested.append(request.url))

            # Not signed in: the dashboard sends the browser to the provider's sign-in page.
            await page.goto(f"{base}/dashboard?lang=en")
            assert page.url.startswith(f"{issuer.issuer}/authorize?"), page.url
            assert await page.get_attribute("html", "lang") == "en"
            assert await page.locator("h1").inner_text() == "Sign in to Cohort"
            picker_problems = await axe_violations(page)
            await page.screenshot(path=str(ARTIFACTS / "signin-picker.png"), full_page=True)
            niger = page.get_by_label("Niger ministry:NER")
            assert await page.get_by_label("Comoros ministry:COM").count() == 1
            await niger.check()
            async with page.expect_navigation(url=f"{base}/dashboard**"):
                await page.get_by_role("button", name="Sign in").click()

            # Signed in: Niger's dashboard, in the language asked for before signing in.
            assert urlsplit(page.url).path == "/dashboard"
            assert await page.locator("h1").inner_text() == "Training dashboard"
            assert await page.locator("bdi.scope").inner_text() == "country:NER"
            assert await page.locator("#participants-trained").inner_text() == "6"
            cookies = {c["name"]: c for c in await context.cookies()}
            assert cookies[SESSION]["httpOnly"] and cookies[SESSION]["sameSite"] == "Lax"
            assert await page.evaluate("document.cookie") == ""  # no script can read it
            # The scope box offers only the ministry's own country.
            box = page.locator("select#scope")
            options = await box.locator("option").evaluate_all("os => os.map(o => o.value)")
            assert options == ["country:NER"]
            assert await page.locator('input[name="scope"]').count() == 0
            dashboard_problems = await axe_violations(page)
            await page.screenshot(path=str(ARTIFACTS / "signin-dashboard-NER.png"), full_page=True)

            # Comoros by URL: refused, and nothing of Comoros on the page.
            response = await page.goto(f"{base}/dashboard?scope=country:COM&lang=en")
            assert response is not None and response.status == 403
            assert "Comoros" not in await page.inner_text("body")
            # Comoros by the scope box: a forged option is refused by the server too.
            await page.goto(f"{base}/dashboard?lang=en")
            await box.evaluate(
                "s => { const o = new Option('country:COM', 'country:COM'); s.add(o); "
                "s.value = 'country:COM'; }"
            )
            async with page.expect_navigation():
                await page.locator("form.filters button[type=submit]").click()
            assert "scope=country%3ACOM" in page.url
            assert "Comoros" not in await page.inner_text("body")
            assert await page.locator("#participants-trained").count() == 0
            # Its downloads come with the sign-in; another country's do not.
            own = await page.request.get(f"{base}/dashboard-download?scope=country:NER")
            assert own.status == 200
            other = await page.request.get(f"{base}/dashboard-download?scope=country:COM")
            assert other.status == 403

            # Signing out: the cookie goes, the next visit goes back to the sign-in page.
            await page.goto(f"{base}/dashboard?lang=en")
            async with page.expect_navigation():
                await page.get_by_role("button", name="Sign out").click()
            assert await page.locator("h1").inner_text() == "Signed out"
            assert SESSION not in {c["name"] for c in await context.cookies()}
            await page.goto(f"{base}/dashboard")
            assert page.url.startswith(f"{issuer.issuer}/authorize?")
            await context.close()
        finally:
            await browser.close()

    assert picker_problems == [], picker_problems
    assert dashboard_problems == [], dashboard_problems
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts <= {"127.0.0.1", "localhost"}, requested
