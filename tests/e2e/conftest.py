"""Fixtures for end-to-end tests that drive a real headless Chromium.

The browser is Debian's Chromium (``apt-get install chromium``) driven by the
Python Playwright package. Playwright's own browser download is never used:
``playwright install`` must not be run; we point it at /usr/bin/chromium.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: end-to-end test in a real headless browser (needs /usr/bin/chromium + playwright)",
    )


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session; skips visibly when unavailable."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "playwright not importable: pip install playwright (never run `playwright install`)"
        )
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium not found at /usr/bin/chromium: apt-get install chromium")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
