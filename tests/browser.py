"""What the browser tests share: Debian's Chromium, the flags it needs on this closed
network, where screenshots go, and the skip when Chromium is not installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.harness import node_with_packages

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# Without the background-networking flags Chromium keeps dialling out and is refused.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium (Debian's chromium; `make test` installs it when it can)",
)


# -- accessibility: axe-core from npm (pinned in tests/accessibility/js), injected by path ----

AXE_DIR = Path(__file__).resolve().parent / "accessibility" / "js"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def axe_source() -> str:
    """axe-core's script, installed with `npm ci` on first use; the test skips when Node/npm
    are absent (as the independent verifier's tests do)."""
    node_with_packages(AXE_DIR, "the accessibility check")
    return AXE_JS.read_text()


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations of the page as it is now (WCAG 2.x A/AA
    and best practices, colour contrast included). Evaluated through the DevTools protocol,
    not as a script tag, so pages with a strict CSP are checked as they are served."""
    await page.evaluate(f"() => {{ {axe_source()}\n }}")
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v.get("impact") in SERIOUS
    ]


async def open_page(browser: Any, url: str, lang: str, requested: list[str], **context: Any) -> Any:
    """A fresh context in `lang` showing `url`, every request noted in `requested`; the page
    answered 200 and says its language and direction."""
    page = await (await browser.new_context(locale=lang, **context)).new_page()
    page.on("request", lambda request: requested.append(request.url))
    res = await page.goto(url)
    assert res is not None and res.status == 200
    assert await page.get_attribute("html", "lang") == lang
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    return page
