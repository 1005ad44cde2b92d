"""The accessibility check itself: axe-core in Chromium finds what it must find, so a page
that passes it passes for a reason (the pages' own checks are in their browser tests)."""

from __future__ import annotations

import pytest

from tests.browser import ARGS, CHROMIUM, axe_violations, requires_chromium

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60), requires_chromium]

BROKEN = """<!doctype html><html><head><title>broken</title></head><body><main>
<h1>A page with known faults</h1>
<p style="color:#bbbbbb;background:#ffffff">Grey on white, too faint to read.</p>
<form><input type="text" name="email"><button type="submit"></button></form>
</main></body></html>"""


async def test_axe_reports_faint_text_an_unlabelled_field_and_an_empty_button():
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = await browser.new_page()
            await page.set_content(BROKEN)
            found = {v["id"] for v in await axe_violations(page)}
        finally:
            await browser.close()
    assert {"color-contrast", "label", "button-name"} <= found, found
