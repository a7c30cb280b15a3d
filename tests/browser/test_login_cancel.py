"""`pyazcopy login` when the person presses Cancel on the sign-in page: it says the sign-in was cancelled, without
the "credential created in the last 5 minutes" note, which cannot apply (issue 12 §3)."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from signin_steps import enter_code, heading, in_thread, sign_in

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.main import main


def _pending_code(localazure, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = localazure.admin("GET", "/device/pending").json().get("pending", [])
        if pending:
            return pending[0]["user_code"]
        time.sleep(0.2)
    raise AssertionError("pyazcopy login never asked for a device code")


def test_cancel_on_the_sign_in_page_says_so_without_the_five_minute_note(localazure, page, tmp_path: Path):
    home = tmp_path / "home"
    home.mkdir()
    parts = urlsplit(localazure.blob_url)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "PYAZCOPY_CONFIG_DIR": str(home / ".pyazcopy"),
           "PYAZCOPY_TRUSTED_ENDPOINTS": f"{parts.scheme}://{parts.netloc}", "PYAZCOPY_TOKEN_STORE": "kernel",
           "AZCOPY_ACTIVE_DIRECTORY_ENDPOINT": localazure.authority, "REQUESTS_CA_BUNDLE": localazure.ca_bundle,
           "SSL_CERT_FILE": localazure.ca_bundle}
    out = io.StringIO()
    login = in_thread(main, ["login", "--tenant-id", localazure.tenant_id],
                      Environment(stdout=out, stderr=out, env=env, stdin=io.StringIO()))
    user_code = _pending_code(localazure)
    page.goto(f"{localazure.authority}/devicelogin")
    enter_code(page, user_code)
    sign_in(page, "alice@contoso.test", "password-alice")
    page.click("#cancel")
    assert heading(page) == "Sign-in cancelled"
    code = login.result(timeout=60)
    text = out.getvalue()
    assert code == 1, text
    assert "cancelled" in text and "Failed to perform login command" in text, text
    assert "last 5 minutes" not in text, text
