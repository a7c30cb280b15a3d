"""A person at the sign-in page: headless Chromium types the device code pyazcopy printed, then the user's password."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from localazure.fixtures import chromium_launch_options

DEVICE_CODE_LINE = re.compile(r"open the webpage (\S+) and enter the code (\S+) to authenticate")


def type_code_in_chromium(url: str, code: str, state_dir: Path, upn: str = "alice@contoso.test", password: str = "password-alice") -> str:
    """Enter ``code`` at ``url`` and sign in as ``upn``; returns the final page's text."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(**chromium_launch_options(state_dir))
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(url)
            page.fill("#otc", code)
            page.click("#next")
            page.fill("#loginfmt", upn)
            page.fill("#passwd", password)
            page.click("#idSIButton9")
            page.click("#continue")
            page.wait_for_selector("text=You have signed in")
            return page.inner_text("body")
        finally:
            browser.close()


def approve_in_chromium(process: subprocess.Popen, stack, timeout: float = 120) -> tuple[str, str]:
    """Read ``process``'s output up to its device-code line, sign in there with Chromium; returns (output so far, page)."""
    lines = []
    match = None
    for line in process.stdout:
        lines.append(line)
        match = DEVICE_CODE_LINE.search(line)
        if match:
            break
    assert match, "".join(lines)
    assert match.group(1) == f"{stack.authority}/devicelogin"
    with ThreadPoolExecutor(1) as browser:
        page = browser.submit(type_code_in_chromium, match.group(1), match.group(2), Path(stack.env["LOCALAZURE_STATE_DIR"])).result(timeout=timeout)
    return "".join(lines), page
