"""Debian's headless Chromium, driven by Playwright, for tests/browser/ (the ``browser`` fixture
is in tests/browser/conftest.py)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_chromium():
    """Skip the calling test module without Chromium or Playwright; returns ``playwright.sync_api``."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (scripts/test.sh installs it with apt-get when run as root)",
                    allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[test])")
