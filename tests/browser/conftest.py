"""Headless Chromium (Debian's, driven by PyPI playwright) for the sign-in page tests.

One browser per session; every test gets a fresh context (no cookies, no storage) and page. The browser trusts
the stack's test certificate through Chromium's SPKI pin list, so TLS is still checked: a page served with any
other certificate fails to load.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Callable, Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from signin_steps import LoopbackRedirect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def spki_pins(state_dir: Path) -> list[str]:
    """base64(sha256(SubjectPublicKeyInfo)) of the stack's server certificate and CA, as Chromium's pin list wants."""
    pins = []
    for name in ("server.pem", "ca.pem"):
        for certificate in x509.load_pem_x509_certificates((state_dir / "tls" / name).read_bytes()):
            spki = certificate.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            pins.append(base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii"))
    return pins


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


def _launch(driver, stack):
    pins = ",".join(spki_pins(Path(stack.env["LOCALAZURE_STATE_DIR"])))
    return driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [f"--ignore-certificate-errors-spki-list={pins}"])


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
