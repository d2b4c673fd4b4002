"""One chromium for the portal's browser tests of a module; each test opens its own contexts (fresh storage)."""
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.portal.browser import CHROMIUM, ARGS, open_visit

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (make test installs it)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield SimpleNamespace(browser=browser, devices=pw.devices)
        browser.close()


@pytest.fixture
def visit(chromium, portal):
    """Opens the portal as a citizen would on the named device (None: a desktop browser), in a fresh browser."""
    opened = []

    def open_(device, lang=None, **context_options):
        opened.append(open_visit(chromium, portal.url, device, lang, context_options))
        return opened[-1]

    yield open_
    for one in opened:
        one.page.context.close()
