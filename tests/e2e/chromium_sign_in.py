"""A person at the sign-in page: headless Chromium types the device code pyazcopy printed, then the user's password."""

from __future__ import annotations

import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from localazure.fixtures import sign_in_at_device_code_page

DEVICE_CODE_LINE = re.compile(r"open the webpage (\S+) and enter the code (\S+) to authenticate")


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
        page = browser.submit(sign_in_at_device_code_page, match.group(1), match.group(2), Path(stack.env["LOCALAZURE_STATE_DIR"])).result(timeout=timeout)
    return "".join(lines), page
