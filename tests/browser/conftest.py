"""Headless Chromium (Debian's, driven by PyPI playwright) for the sign-in page tests.

One browser per session; every test gets a fresh context (no cookies, no storage) and page. The browser trusts
the stack's test certificate through Chromium's SPKI pin list, so TLS is still checked: a page served with any
other certificate fails to load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest
from signin_steps import LoopbackRedirect

from localazure.fixtures import chromium_launch_options

PAGE_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


def _launch(driver, stack):
    return driver.chromium.launch(**chromium_launch_options(stack.state_dir))


@pytest.fixture(scope="session")
def browser(playwright_driver, localazure) -> Iterator:
    """Chromium that trusts the session stack's certificate."""
    chromium = _launch(playwright_driver, localazure)
    yield chromium
    chromium.close()


@pytest.fixture
def launch_browser(playwright_driver) -> Iterator[Callable]:
    """Launch another Chromium that trusts a private stack's certificate; closed after the test."""
    launched = []

    def launch(stack):
        chromium = _launch(playwright_driver, stack)
        launched.append(chromium)
        return chromium

    yield launch
    for chromium in launched:
        chromium.close()


def _new_page(chromium, **context_options):
    context = chromium.new_context(**context_options)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def new_page(browser) -> Iterator[Callable]:
    """Open a page in a fresh context of the session browser (options go to new_context); closed after the test."""
    contexts = []

    def open_page(chromium=None, **context_options):
        context, page = _new_page(chromium or browser, **context_options)
        contexts.append(context)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page in a fresh browser context."""
    return new_page()


@pytest.fixture
def loopback() -> Iterator[LoopbackRedirect]:
    """A native app's loopback redirect listener (http://localhost:PORT); shut down after the test."""
    server = LoopbackRedirect()
    yield server
    server.close()
