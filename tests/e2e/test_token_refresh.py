"""With access tokens that live 30 seconds, a long `list` of 20,000 blobs keeps working across expiries, redeeming
the refresh token at most once per expiry (no refresh storm), and the rotated tokens go back to the keyring."""

from __future__ import annotations

import io
import os
import math
import re
import time
from pathlib import Path

import pytest
from blob_filler import fill_container
from conftest import Approver, base_env, run_cli

from localazure.config import DEFAULT_CONFIG_PATH
from localazure.fixtures import DEV_ACCOUNT_KEY
from pyazcopy.auth import kernel_keyring
from pyazcopy.auth.persisted_login import store_key
from pyazcopy.cli.environment import Environment
from pyazcopy.cli.main import main
from pyazcopy.settings import Settings

BLOBS = int(os.environ.get("PYAZCOPY_E2E_REFRESH_BLOBS", "20000"))  # the 20,000; Azurite takes minutes to fill
LIFETIME = 30


class SlowTerminal(io.StringIO):
    """A terminal that takes 4 ms per line, so listing 20,000 blobs spans several token lifetimes."""

    def write(self, text: str) -> int:
        time.sleep(0.004)
        return super().write(text)


def _short_token_config(tmp_path: Path) -> Path:
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^access_token_lifetime_seconds\s*=\s*\d+", f"access_token_lifetime_seconds = {LIFETIME}", text)
    assert count == 1
    path = tmp_path / "short-tokens.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.timeout(3600)
@pytest.mark.skipif(
    os.environ.get("PYAZCOPY_E2E_LONG") != "1",
    reason="long: Azurite's Put Blob scans every blob of the account (LokiJS), so filling 20,000 blobs is quadratic: "
    "over 10 minutes of Azurite CPU on a 2-core machine even with a lean client; run with PYAZCOPY_E2E_LONG=1",
)
def test_list_20000_blobs_across_token_expiries(start_localazure, tmp_path, monkeypatch):
    stack = start_localazure(_short_token_config(tmp_path))
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"):  # MSAL's requests, in this process, trusts this stack's CA
        monkeypatch.setenv(name, stack.env[name])
    env = base_env(stack, tmp_path / "home", PYAZCOPY_TOKEN_STORE="kernel")
    container = "refresh-" + tmp_path.name[-12:].lower().replace("_", "")
    service = stack.shared_key_service()
    client = service.get_container_client(container)
    client.create_container()
    # Log in first: a failure shows before the long fill.
    with Approver(stack, "alice@contoso.test"):
        login = run_cli(["login", "--tenant-id", stack.tenant_id], env)
    assert login.code == 0, login.out
    # Real Put Blob requests with Shared Key straight to Azurite, from a lean keep-alive client (blob_filler.py):
    # the SDK's client CPU per request would compete with Azurite for the same cores.
    filled = fill_container(
        stack.env["LOCALAZURE_BLOB_DIRECT_URL"], stack.env["LOCALAZURE_STORAGE_ACCOUNT"], DEV_ACCOUNT_KEY, stack.ca_bundle,
        container, (f"dir/blob-{index:05d}" for index in range(BLOBS)), body=b"x", threads=8,
    )
    print(f"\nfilled {filled.count} blobs in {filled.seconds:.0f} s ({filled.per_second:.0f} blobs/s)")

    key = "pyazcopy:" + store_key(Settings.from_environment(env))
    saved_before = kernel_keyring.read(key)

    stack.admin("POST", "/stats/reset")
    terminal = SlowTerminal()
    started = time.monotonic()
    code = main(["list", f"{stack.blob_url}/{container}", "--running-tally", "--machine-readable"], Environment(stdout=terminal, env=env, stdin=io.StringIO()))
    elapsed = time.monotonic() - started
    out = terminal.getvalue()
    assert code == 0, out[-2000:]
    assert f"File count: {BLOBS}" in out and f"Total file size: {BLOBS}" in out
    assert elapsed > 2 * LIFETIME, f"the listing took {elapsed:.0f} s; it must span several token lifetimes"

    refreshes = stack.token_stats()["token_requests"].get("refresh_token", 0)
    expiries = math.ceil(elapsed / LIFETIME)
    print(f"listed {BLOBS} blobs in {elapsed:.0f} s: {expiries} token lifetimes of {LIFETIME} s, {refreshes} refresh-token redemptions")
    assert 2 <= refreshes <= expiries + 1, f"{refreshes} refresh-token redemptions in {elapsed:.0f} s ({expiries} token lifetimes)"
    assert kernel_keyring.read(key) != saved_before  # the rotated refresh token was saved back
    assert "eyJ" not in out and "1.local." not in out
    client.delete_container()
