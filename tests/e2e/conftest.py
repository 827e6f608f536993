"""Fixtures for end-to-end tests that drive a real headless Chromium.

The browser is Debian's Chromium (``apt-get install chromium``) driven by the
Python Playwright package. Playwright's own browser download is never used:
``playwright install`` must not be run; we point it at /usr/bin/chromium.
"""

from __future__ import annotations

import os

import pytest

from tests.conftest import skip_or_fail

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module; skips visibly when unavailable.

    Module scope, not session: Playwright's sync API keeps an event loop running
    in this thread while it is open, which would break later tests that call
    asyncio.run().
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail(
            "playwright not importable: pip install playwright (never run `playwright install`)"
        )
    if not os.path.exists(CHROMIUM):
        skip_or_fail("Chromium not found at /usr/bin/chromium: apt-get install chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
