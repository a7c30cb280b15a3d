"""`pyazcopy login` as a person does it: the code it prints is typed into the sign-in page by headless Chromium."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import PYAZCOPY, run_process
from localazure.fixtures import chromium_launch_options

pytestmark = pytest.mark.browser


def _type_code_in_chromium(url: str, code: str, state_dir: Path) -> str:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(**chromium_launch_options(state_dir))
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(url)
            page.fill("#otc", code)
            page.click("#next")
            page.fill("#loginfmt", "alice@contoso.test")
            page.fill("#passwd", "password-alice")
            page.click("#idSIButton9")
            page.click("#continue")
            page.wait_for_selector("text=You have signed in")
            return page.inner_text("body")
        finally:
            browser.close()


def test_device_login_typed_in_chromium(localazure, cli_env):
    env = dict(cli_env, PYAZCOPY_TOKEN_STORE="kernel")
    login = subprocess.Popen(PYAZCOPY + ["login", "--tenant-id", localazure.tenant_id], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    lines = []
    try:
        for line in login.stdout:
            lines.append(line)
            match = re.search(r"open the webpage (\S+) and enter the code (\S+) to authenticate", line)
            if match:
                break
        assert match, "".join(lines)
        assert match.group(1) == f"{localazure.authority}/devicelogin"
        with ThreadPoolExecutor(1) as browser:
            page = browser.submit(_type_code_in_chromium, match.group(1), match.group(2), Path(localazure.env["LOCALAZURE_STATE_DIR"])).result(timeout=120)
        assert "You have signed in" in page
        rest = login.stdout.read()
        assert login.wait(timeout=60) == 0, "".join(lines) + rest
        assert "INFO: Login succeeded." in rest
    finally:
        if login.poll() is None:
            login.kill()
    status = run_process(["login", "status"], env)
    assert status.code == 0, status.out
    assert run_process(["logout"], env).code == 0
