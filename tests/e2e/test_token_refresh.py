"""With access tokens that live 30 seconds, a long `list` of 20,000 blobs as a signed-in user keeps working across
expiries, redeeming the refresh token at most once per expiry (no refresh storm), and each rotated refresh token is
written back to the kernel keyring while the command is still running.

Azurite starts from a database bench/azurite_seed.py wrote (20,000 blobs in about a second): filling it with Put
Blob is quadratic in Azurite (each request scans every blob of the account) and took over ten minutes."""

from __future__ import annotations

import io
import json
import math
import re
import sys
import time
from pathlib import Path

from conftest import REPO, Approver, base_env, run_cli

from localazure.config import DEFAULT_CONFIG_PATH
from pyazcopy.auth import kernel_keyring
from pyazcopy.auth.persisted_login import store_key
from pyazcopy.cli.environment import Environment
from pyazcopy.cli.main import main
from pyazcopy.endpoints import blob_listing
from pyazcopy.settings import Settings

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from bench.azurite_seed import seed  # noqa: E402

BLOBS = 20_000
LIFETIME = 30
LINE_SECONDS = 0.004  # 20,000 lines take 80 s: the listing spans more than two token lifetimes
CONTAINER = "refresh"
PAGE_SIZE = 1000  # AzCopy's 5,000 would make 4 requests, all within the first token's life (pages are fetched ahead)


def refresh_tokens(payload: bytes | None) -> set[str]:
    """The refresh tokens in the MSAL cache a login saved (the payload may hold the cache as JSON text)."""
    found: set[str] = set()

    def walk(value, in_refresh: bool = False) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                if in_refresh and name == "secret" and isinstance(inner, str):
                    found.add(inner)
                else:
                    walk(inner, in_refresh or name == "RefreshToken")
        elif isinstance(value, str) and value.lstrip().startswith("{"):
            walk(json.loads(value), in_refresh)

    walk(json.loads(payload or b"{}"))
    return found


class WatchingTerminal(io.StringIO):
    """A terminal that takes 4 ms per line and, every 100 lines, reads the refresh token in the kernel keyring: the
    line counts at which it changed show each rotated token was written back while the command was still running."""

    def __init__(self, key: str, saved: set[str]) -> None:
        super().__init__()
        self.key, self.last = key, saved
        self.lines = 0
        self.rotations: list[int] = []

    def write(self, text: str) -> int:
        time.sleep(LINE_SECONDS)
        self.lines += text.count("\n")
        if self.lines % 100 == 0:
            now = refresh_tokens(kernel_keyring.read(self.key))
            if now != self.last:
                self.rotations.append(self.lines)
                self.last = now
        return super().write(text)


def _config(tmp_path: Path, azurite_dir: Path) -> Path:
    """The default directory with 30-second access tokens and Azurite started from the seeded database."""
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^access_token_lifetime_seconds\s*=\s*\d+",
                          f"access_token_lifetime_seconds = {LIFETIME}\nazurite_location = {json.dumps(str(azurite_dir))}", text)
    assert count == 1
    path = tmp_path / "short-tokens.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_list_20000_blobs_across_token_expiries(start_localazure, tmp_path, monkeypatch):
    names = [f"dir/blob-{index:05d}" for index in range(BLOBS)]
    seed(tmp_path / "azurite-db", names=names, container=CONTAINER)
    stack = start_localazure(_config(tmp_path, tmp_path / "azurite-db"))
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"):  # MSAL's requests, in this process, trusts this stack's CA
        monkeypatch.setenv(name, stack.env[name])
    env = base_env(stack, tmp_path / "home", PYAZCOPY_TOKEN_STORE="kernel")
    with Approver(stack, "alice@contoso.test"):
        login = run_cli(["login", "--tenant-id", stack.tenant_id], env)
    assert login.code == 0, login.out

    key = "pyazcopy:" + store_key(Settings.from_environment(env))
    saved = refresh_tokens(kernel_keyring.read(key))
    assert saved, "login saved no refresh token"

    monkeypatch.setattr(blob_listing, "LIST_PAGE_SIZE", PAGE_SIZE)  # 20 requests spread over the listing
    stack.admin("POST", "/stats/reset")
    terminal = WatchingTerminal(key, saved)
    started = time.monotonic()
    code = main(["list", f"{stack.blob_url}/{CONTAINER}", "--running-tally", "--machine-readable"], Environment(stdout=terminal, env=env, stdin=io.StringIO()))
    elapsed = time.monotonic() - started
    out = terminal.getvalue()
    assert code == 0, out[-2000:]
    assert f"File count: {BLOBS}" in out and "Total file size: 0" in out
    assert [line.split(";")[0] for line in out.splitlines() if line.startswith("dir/")] == names
    assert elapsed > 2 * LIFETIME, f"the listing took {elapsed:.0f} s; it must span several token lifetimes"

    refreshes = stack.token_stats()["token_requests"].get("refresh_token", 0)
    expiries = math.ceil(elapsed / LIFETIME)
    print(f"listed {BLOBS} blobs in {elapsed:.0f} s: {expiries} token lifetimes of {LIFETIME} s, {refreshes} refresh-token "
          f"redemptions, rotated refresh tokens in the keyring by lines {terminal.rotations}")
    assert 2 <= refreshes <= expiries + 1, f"{refreshes} refresh-token redemptions in {elapsed:.0f} s ({expiries} token lifetimes)"
    # Each redemption rotates the refresh token (the first at the start, the others at expiries), and each new one is
    # in the keyring while the listing is still being printed, not only once the command has ended.
    assert len(terminal.rotations) == refreshes and terminal.rotations[-1] < BLOBS, terminal.rotations
    assert refresh_tokens(kernel_keyring.read(key)).isdisjoint(saved)
    assert "eyJ" not in out and "1.local." not in out
