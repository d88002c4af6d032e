"""Fixtures of the browser tests: Debian's headless Chromium driven by Playwright.

The test modules skip themselves without Chromium or Playwright (``helpers.browser.require_chromium``);
scripts/test.sh installs Chromium (apt-get, as root) and axe-core (npm ci in this folder).
"""

from __future__ import annotations

import pytest

from helpers.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
