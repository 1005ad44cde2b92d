"""The dashboard in a real headless Chromium (Debian's), served from a real port.

The Moroni/Niger scenario fills the projections through NATS; the page is then opened with
Playwright (`executable_path`, never a downloaded browser) in English, French and Arabic,
its figures read from the DOM, the scope filter and the downloads used, axe-core's
accessibility check run, and every request the page made checked to stay on localhost.
Screenshots go to tests/artifacts/ (not committed).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.auth import headers
from tests.browser import ARGS, ARTIFACTS, CHROMIUM, axe_violations, open_page, requires_chromium
from tests.harness import served
from tests.reporting.test_reporting_service import play

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(420),  # three languages, downloads and axe, on a shared machine
    requires_chromium,
]

COM_2023 = "dashboard?scope=country:COM&from=2023-01-01&to=2023-12-31"
PHONE = {"width": 390, "height": 844}
# What the reader sees, in words, per language (figures from the Moroni scenario).
SEEN = {
    "en": {
        "title": "Training dashboard",
        "completion-rate": "80 %",
        "knowledge-gain": "+14.3 points",
        "agree-will_improve_performance": "92.6 %",
        "agree-methodology": "Hidden",
        "female": "Women",
        "male": "Men",
        "country": "Comoros",
        "note": "Hidden: Men, Not stated.",
        "why": "Why some figures are hidden",
    },
    "fr": {
        "title": "Tableau de bord des formations",
        "completion-rate": "80 %",
        "knowledge-gain": "+14,3 points",
        "agree-will_improve_performance": "92,6 %",
        "agree-methodology": "Masqué",
        "female": "Femmes",
        "male": "Hommes",
        "country": "Comores",
        "note": "Masqué : Hommes, Non renseigné.",
        "why": "Pourquoi certains chiffres sont masqués",
    },
    "ar": {
        "title": "لوحة متابعة التدريب",
        "completion-rate": "80٪",
        "knowledge-gain": "\u2066+14.3\u2069 نقطة",
        "agree-will_improve_performance": "92.6٪",
        "agree-methodology": "مخفي",
        "female": "نساء",
        "male": "رجال",
        "country": "جزر القمر",
        "note": "مخفي: رجال، غير مذكور.",
        "why": "لماذا أُخفيت بعض الأرقام",
    },
}
INTERNAL = ("will_improve_performance", "decided", "not_completed", "undisclosed", "by_sex")


async def test_the_dashboard_in_three_languages_shows_the_known_figures_in_words(
    js, reporting, database_url
):
    from playwright.async_api import async_playwright

    await play(js, database_url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []
    problems: dict[str, list] = {}

    async with served(reporting.http_app) as base, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            # Operators read every audience (`reports:*`): one page can switch between them.
            for lang, seen in SEEN.items():
                page = await open_page(
                    browser,
                    f"{base}/{COM_2023}",
                    lang,
                    requested,
                    viewport={"width": 1100, "height": 900},
                    extra_http_headers=headers("ops"),
                )
                assert await page.locator("h1").inner_text() == seen["title"]

                async def text(selector: str, page=page) -> str:
                    node = page.locator(selector)
                    assert await node.is_visible(), selector
                    return ((await node.text_content()) or "").strip()

                # The KPI cards.
                assert await text("#participants-trained") == "30"
                assert await text("#sessions-delivered") == "1"
                assert await text("#completion-rate") == seen["completion-rate"]
                assert await text("#knowledge-gain") == seen["knowledge-gain"]
                assert await text("#trainers-certified") == "0"
                assert await text("#cascade-sessions") == "1"
                for key in ("agree-will_improve_performance", "agree-methodology"):
                    assert await text(f"#{key}") == seen[key]
                # Breakdowns in words; the hidden cells keep their row, marked, and why.
                by_sex = page.locator("#participants-by-sex")
                female = by_sex.locator('li[data-key="female"]')
                assert await female.locator(".row-label").inner_text() == seen["female"]
                assert await female.locator(".row-value").inner_text() == "17"
                male = by_sex.locator('li[data-key="male"]')
                assert await male.locator(".row-value").get_attribute("data-state") == "hidden"
                assert await by_sex.locator("p.suppressed").inner_text() == seen["note"]
                assert (await text("p.why")).startswith(seen["why"])
                country = page.locator('#participants-by-country li[data-key="COM"]')
                assert await country.locator(".row-label").inner_text() == seen["country"]
                # The trend: one bar per month from June to December... of the sessions' span.
                assert await page.locator("svg#trend rect.trend-bar").count() >= 1
                assert await page.locator("table.trend-table tbody tr").count() >= 1
                # No internal names anywhere a reader looks.
                body = await page.inner_text("body")
                for name in INTERNAL:
                    assert name not in body, (lang, name)
                sections = page.locator("main > section:not(.downloads)")
                figures = " ".join(await sections.all_inner_texts())
                for absent in ("NER", "Netherlands", "Niger", "iom:p-", "@"):
                    assert absent not in figures
                # Downloads of the same view.
                links = {
                    fmt: await page.locator(f"a.download-{fmt}").get_attribute("href")
                    for fmt in ("csv", "xlsx", "pdf")
                }
                for fmt, href in links.items():
                    assert href is not None
                    assert "scope=country%3ACOM" in href and "from=2023-01-01" in href
                    got = await page.request.get(f"{base}/{href}")
                    assert got.status == 200, (fmt, got.status)
                    kind = got.headers["content-type"]
                    assert {"csv": "text/csv", "xlsx": "spreadsheetml", "pdf": "pdf"}[fmt] in kind
                problems[f"dashboard-{lang}"] = await axe_violations(page)
                await page.screenshot(path=str(ARTIFACTS / f"dashboard-{lang}.png"), full_page=True)

                # On a phone: nothing wider than the screen but the tables' own scrollers.
                await page.set_viewport_size(PHONE)
                width = await page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], (lang, width)
                await page.screenshot(
                    path=str(ARTIFACTS / f"dashboard-{lang}-phone.png"), full_page=True
                )
                await page.context.close()

            # The scope filter: another scope and the figures become Niger's; the language
            # stays the reader's.
            context = await browser.new_context(
                viewport={"width": 1100, "height": 900}, extra_http_headers=headers("ops")
            )
            page = await context.new_page()
            page.on("request", lambda request: requested.append(request.url))
            await page.goto(f"{base}/{COM_2023}&lang=fr")
            await page.fill('input[name="scope"]', "donor:Netherlands")
            async with page.expect_navigation():
                await page.click('button[type="submit"]')
            assert "scope=donor%3ANetherlands" in page.url
            assert await page.get_attribute("html", "lang") == "fr"
            assert await page.locator("#participants-trained").inner_text() == "6"
            assert await page.locator("#completion-rate").inner_text() == "100 %"
            # 3 women and 3 men: both hidden (every category is listed, the empty ones shown
            # as 0); no evaluation: percentages are "no data".
            by_sex = page.locator("#participants-by-sex")
            for sex in ("female", "male"):
                cell = by_sex.locator(f'li[data-key="{sex}"] .row-value')
                assert await cell.get_attribute("data-state") == "hidden", sex
            assert await page.locator("#agree-relevance").inner_text() == "Pas de données"
            problems["dashboard-netherlands-fr"] = await axe_violations(page)
            await page.screenshot(
                path=str(ARTIFACTS / "dashboard-donor-Netherlands-fr.png"), full_page=True
            )

            # A programme over the year: the trend across months.
            await page.goto(
                f"{base}/dashboard?scope=programme:EMM2.0&from=2023-01-01&to=2023-12-31&lang=en"
            )
            periods = await page.locator("table.trend-table tbody th").all_inner_texts()
            assert periods == ["Jun 2023", "Jul 2023", "Aug 2023", "Sep 2023"]
            values = await page.locator("table.trend-table tbody td:nth-child(2)").all_inner_texts()
            assert values == ["30", "0", "0", "6"]
            await page.screenshot(
                path=str(ARTIFACTS / "dashboard-programme-trend.png"), full_page=True
            )
            await context.close()
        finally:
            await browser.close()

    assert {k: v for k, v in problems.items() if v} == {}
    assert requested, "the page made no request at all"
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts <= {"127.0.0.1", "localhost"}, f"requests left localhost: {requested}"
