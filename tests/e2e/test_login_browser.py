"""`pyazcopy login --login-type BROWSER` as a person does it: the login process opens the sign-in URL with Python's
`webbrowser` module (here the standard BROWSER variable names a tiny opener that hands the URL to the test), headless
Chromium signs in on localazure's page and follows the redirect to the login's loopback listener (authorization code
+ PKCE, form_post). The saved login then works from fresh processes; Cancel on the consent page fails the login."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import PYAZCOPY, kernel_key_exists, run_process

from pyazcopy.auth.persisted_login import store_key
from pyazcopy.settings import Settings
from localazure.fixtures import chromium_launch_options

pytestmark = pytest.mark.browser
OPENER = '#!/bin/sh\nprintf "%s\\n" "$1" >> "$PYAZCOPY_TEST_OPENED_URLS"\n'


def _sign_in_in_chromium(url: str, state_dir: Path, decision: str) -> tuple[str, str]:
    """Open ``url`` as the person's browser, sign in as alice and press ``decision`` (continue | cancel) on the
    consent page; returns the page's final URL and text (the login's loopback listener answers it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(**chromium_launch_options(state_dir))
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(url)
            assert page.inner_text("h1") == "Sign in"
            page.fill("#loginfmt", "alice@contoso.test")
            page.fill("#passwd", "password-alice")
            page.click("#idSIButton9")
            assert "Are you trying to sign in" in page.inner_text("h1")
            page.click(f"#{decision}")  # the form_post page then posts the answer to the loopback redirect
            redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
            page.wait_for_url(redirect + "/**")
            return page.url, page.inner_text("body")
        finally:
            browser.close()


def _start_browser_login(stack, env: dict, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    opener = tmp_path / "open-url"
    opener.write_text(OPENER, encoding="utf-8")
    opener.chmod(0o755)
    opened = tmp_path / "opened-urls"
    env = dict(env, BROWSER=str(opener), PYAZCOPY_TEST_OPENED_URLS=str(opened))
    args = ["login", "--login-type", "browser", "--tenant-id", stack.tenant_id]
    login = subprocess.Popen(PYAZCOPY + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    return login, opened


def _opened_url(login: subprocess.Popen, opened: Path, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if opened.exists() and opened.read_text(encoding="utf-8").strip():
            return opened.read_text(encoding="utf-8").split()[0]
        if login.poll() is not None:
            pytest.fail(f"login exited ({login.returncode}) before opening a browser:\n{login.stdout.read()}")
        time.sleep(0.1)
    pytest.fail("login did not open a browser")


def _browse(stack, url: str, decision: str) -> tuple[str, str]:
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API must not share a thread with an event loop
        return pool.submit(_sign_in_in_chromium, url, Path(stack.env["LOCALAZURE_STATE_DIR"]), decision).result(timeout=180)


def _finish(login: subprocess.Popen) -> tuple[int, str]:
    try:
        output = login.communicate(timeout=120)[0]
    finally:
        if login.poll() is None:
            login.kill()
    return login.returncode, output


def test_browser_login_then_fresh_processes(localazure, cli_env, container, tmp_path):
    localazure.shared_key_service().get_container_client(container).upload_blob("browser/hello.txt", b"signed in with a browser")
    env = dict(cli_env, PYAZCOPY_TOKEN_STORE="kernel")
    login, opened = _start_browser_login(localazure, env, tmp_path)
    try:
        url = _opened_url(login, opened)
        query = parse_qs(urlsplit(url).query)
        assert url.startswith(f"{localazure.authority}/{localazure.tenant_id}/oauth2/v2.0/authorize?")
        assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0] and query["response_mode"] == ["form_post"]
        assert urlsplit(query["redirect_uri"][0]).hostname == "localhost"
        final_url, page = _browse(localazure, url, "continue")
    finally:
        code, output = _finish(login)
    assert final_url.startswith(query["redirect_uri"][0])
    assert "Authentication complete" in page
    assert code == 0, output
    assert "INFO: Login succeeded." in output and "kernel keyring" in output, output
    assert kernel_key_exists("pyazcopy:" + store_key(Settings.from_environment(env)))

    listing = run_process(["list", f"{localazure.blob_url}/{container}"], env)
    assert listing.code == 0, listing.out + listing.err
    assert "browser/hello.txt" in listing.out and "Content Length: 24" in listing.out, listing.out
    status = run_process(["login", "status", "--method", "--tenant"], env)
    assert status.code == 0, status.out + status.err
    assert "Your login session is still active" in status.out and "Authorized using BROWSER" in status.out and localazure.tenant_id in status.out
    for text in (output, listing.out, listing.err, status.out, status.err):
        assert "eyJ" not in text and "code=" not in text and "1.local." not in text
    assert run_process(["logout"], env).code == 0
    assert not kernel_key_exists("pyazcopy:" + store_key(Settings.from_environment(env)))


def test_cancel_on_consent_page_fails_the_login(localazure, cli_env, tmp_path):
    env = dict(cli_env, PYAZCOPY_TOKEN_STORE="kernel")
    login, opened = _start_browser_login(localazure, env, tmp_path)
    try:
        url = _opened_url(login, opened)
        _browse(localazure, url, "cancel")
    finally:
        code, output = _finish(login)
    assert code != 0, output
    assert "Failed to perform login command" in output and "AADSTS65004" in output, output
    assert "the sign-in was cancelled or consent was declined in the browser" in output and "Try again: run `pyazcopy login`" in output, output
    assert not (Path(env["PYAZCOPY_CONFIG_DIR"]) / "login.json").exists()
    assert not kernel_key_exists("pyazcopy:" + store_key(Settings.from_environment(env)))
    status = run_process(["login", "status"], env)
    assert status.code == 1 and "not logged in" in status.out
