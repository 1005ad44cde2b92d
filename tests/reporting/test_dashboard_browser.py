"""The dashboard in a real headless Chromium (Debian's), served from a real port.

The Moroni/Niger scenario fills the projections through NATS; the page is then opened with
Playwright (`executable_path`, never a downloaded browser), its figures read from the DOM,
the scope filter used, and every request the page made checked to stay on localhost.
Screenshots go to tests/artifacts/ (not committed).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
import uvicorn

from tests.auth import headers
from tests.browser import ARGS, ARTIFACTS, CHROMIUM, requires_chromium
from tests.reporting.test_reporting_service import play

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(60),
    requires_chromium,
]


@pytest.fixture
async def dashboard_url(reporting) -> AsyncIterator[str]:
    """The service's HTTP app on a real port of 127.0.0.1 (uvicorn, in the test's loop)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(reporting.http_app, log_level="warning", lifespan="off", access_log=False)
    )
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


async def test_the_dashboard_in_chromium_shows_the_known_figures_and_filters_by_scope(
    js, reporting, database_url, dashboard_url
):
    from playwright.async_api import async_playwright

    await play(js, database_url)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            # Operators read every audience (`reports:*`): one page can switch between them.
            page = await browser.new_page(
                viewport={"width": 1000, "height": 800}, extra_http_headers=headers("ops")
            )
            page.on("request", lambda request: requested.append(request.url))

            res = await page.goto(
                f"{dashboard_url}/dashboard?scope=country:COM&from=2023-01-01&to=2023-12-31"
            )
            assert res is not None and res.status == 200

            async def text(selector: str) -> str:
                """The rendered text of a visible element (HTML or SVG)."""
                node = page.locator(selector)
                assert await node.is_visible(), selector
                return ((await node.text_content()) or "").strip()

            def bar(panel: str, label: str) -> str:
                return f'svg#{panel} text.value[data-label="{label}"]'

            # Comoros: the known figures, as the browser renders them.
            assert await page.title() == "Cohort dashboard - country:COM"
            assert await text("#participants-trained") == "30"
            assert await text("#sessions-delivered") == "1"
            assert await text("#completion-rate") == "80.0"
            assert await text(bar("participants-by-sex", "female")) == "17"
            assert await text(bar("participants-by-country", "COM")) == "30"
            assert await text(bar("sessions-by-programme", "EMM2.0")) == "1"
            assert await text(bar("satisfaction", "will_improve_performance")) == "92.6"
            assert await text(bar("satisfaction", "relevance")) == "100.0"
            assert await text(bar("completion", "completed")) == "24"
            assert await text(bar("completion", "attended")) == "6"
            # Suppressed cells: no bar, no number, named as suppressed under their chart.
            assert await page.locator(bar("participants-by-sex", "male")).count() == 0
            assert await page.locator(bar("participants-by-sex", "undisclosed")).count() == 0
            assert await page.locator(bar("satisfaction", "methodology")).count() == 0
            by_sex_note = page.locator("svg#participants-by-sex + p.suppressed")
            assert await by_sex_note.inner_text() == "suppressed: male, undisclosed"
            satisfaction_note = page.locator("svg#satisfaction + p.suppressed")
            assert await satisfaction_note.inner_text() == "suppressed: methodology"
            # The bars are drawn (laid out, with a width proportional to the value).
            female = await page.locator("svg#participants-by-sex rect >> nth=0").bounding_box()
            assert female is not None and female["width"] > 100
            body = await page.inner_text("body")
            for absent in ("NER", "Netherlands", "iom:p-", "@"):
                assert absent not in body
            await page.screenshot(path=str(ARTIFACTS / "dashboard-country-COM.png"), full_page=True)

            # The scope filter: type another scope, submit, and the figures become Niger's.
            await page.fill('input[name="scope"]', "donor:Netherlands")
            async with page.expect_navigation():
                await page.click('button[type="submit"]')
            assert "scope=donor%3ANetherlands" in page.url
            assert await page.title() == "Cohort dashboard - donor:Netherlands"
            assert await text("#participants-trained") == "6"
            assert await text("#completion-rate") == "100.0"
            assert await text(bar("participants-by-country", "NER")) == "6"
            assert await page.locator(bar("participants-by-country", "COM")).count() == 0
            assert await text(bar("completion", "completed")) == "6"
            # 3 women and 3 men: both hidden.
            assert await page.locator("svg#participants-by-sex text.value").count() == 0
            assert (
                await page.locator("svg#participants-by-sex + p.suppressed").inner_text()
                == "suppressed: female, male"
            )
            # No evaluation in Niger: percentages of no one are "no data", not "suppressed".
            assert await page.locator("svg#satisfaction + p.suppressed").count() == 0
            assert (await page.locator("svg#satisfaction + p.no-data").inner_text()).startswith(
                "no data: relevance, will_improve_performance"
            )
            await page.screenshot(
                path=str(ARTIFACTS / "dashboard-donor-Netherlands.png"), full_page=True
            )
        finally:
            await browser.close()

    assert requested, "the page made no request at all"
    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts <= {"127.0.0.1", "localhost"}, f"requests left localhost: {requested}"
