"""Browser fixtures: the main and media APIs over real HTTP (the worker running, so selfies and
photos get processed), Debian's Chromium driven by Playwright at a phone's viewport, every page's
console errors collected, and axe-core for the accessibility checks.

The pages run with their CSP enforced (a violation is a console error); axe-core, injected as an
inline script, runs in a second context of the same session that bypasses the CSP."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# As root, and with this machine's closed network (see /work/.library/env/machines/python.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Web:
    main: str  # the main API, which serves the pages
    media: str


@pytest.fixture(scope="session")
def web(live_main_api: str, live_media_api: str, worker: None) -> Iterator[Web]:
    """The pages read the media API's URL per request: point it at the one served here."""
    from api.settings import get_settings

    previous = os.environ.get("WAIRO_MEDIA_BASE_URL")
    os.environ["WAIRO_MEDIA_BASE_URL"] = live_media_api
    get_settings.cache_clear()
    yield Web(live_main_api, live_media_api)
    if previous is None:
        os.environ.pop("WAIRO_MEDIA_BASE_URL", None)
    else:
        os.environ["WAIRO_MEDIA_BASE_URL"] = previous
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make browser` installs it")
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A page at the phone viewport with what went wrong in it."""

    page: Any
    browser: Any
    shots: Path
    errors: list[str] = field(default_factory=list)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def serious_violations(self, ready: str = "main h1") -> list[str]:
        """axe-core's serious and critical violations on the current page, opened in a context that
        bypasses the CSP, with this tab's session token."""
        token = self.page.evaluate("sessionStorage.getItem('wairo.token')")
        context = self.browser.new_context(viewport=PHONE, bypass_csp=True)
        if token:
            context.add_init_script(f"sessionStorage.setItem('wairo.token', {json.dumps(token)})")
        try:
            page = context.new_page()
            page.goto(self.page.url, wait_until="networkidle")
            page.wait_for_selector(ready)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => (await axe.run()).violations")
        finally:
            context.close()
        return [f"{v['id']}: {v['help']}" for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def tab(browser: Any, tmp_path: Path) -> Iterator[Tab]:
    if not AXE.is_file():
        pytest.skip(f"{AXE} is missing: `make browser` installs axe-core")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    tab = Tab(page, browser, tmp_path)
    page.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.errors.append(f"uncaught: {e}"))
    yield tab
    context.close()
