"""Helpers for pyazcopy's end-to-end tests: run the CLI in-process (httpie-style Environment) or as a real process,
approve device codes as a localazure user, and find what a login left behind."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pyazcopy.cli.environment import Environment
from pyazcopy.cli.main import main

REPO = Path(__file__).resolve().parents[2]
PYAZCOPY = [sys.executable, "-m", "pyazcopy"]


@dataclass
class Result:
    code: int
    out: str
    err: str = ""


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def gateway_present(stack) -> bool:
    """True once localazure's RBAC gateway (issue 3) fronts Azurite: the blob URL then differs from Azurite's own."""
    return stack.env.get("LOCALAZURE_BLOB_URL") != stack.env.get("LOCALAZURE_BLOB_DIRECT_URL") or "LOCALAZURE_GATEWAY_URL" in stack.env


def base_env(stack, home: Path, **extra: str) -> dict[str, str]:
    """A clean environment for one pyazcopy user: own HOME and config dir, the stack's CA, its authority, and its blob
    endpoint trusted by exact origin. No D-Bus session (so no Secret Service) unless a test adds one."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYAZCOPY_CONFIG_DIR": str(home / ".pyazcopy"),
        "PYAZCOPY_TRUSTED_ENDPOINTS": origin(stack.blob_url),
        "AZCOPY_ACTIVE_DIRECTORY_ENDPOINT": stack.authority,
        "REQUESTS_CA_BUNDLE": stack.env["REQUESTS_CA_BUNDLE"],
        "SSL_CERT_FILE": stack.env["SSL_CERT_FILE"],
        "CURL_CA_BUNDLE": stack.env["CURL_CA_BUNDLE"],
        "PYTHONPATH": str(REPO / "src"),
    }
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str]) -> Result:
    """pyazcopy in this process, with its own streams and variables."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(args, Environment(stdout=stdout, stderr=stderr, env=env, stdin=io.StringIO()))
    return Result(code, stdout.getvalue(), stderr.getvalue())


def run_process(args: list[str], env: dict[str, str], prefix: list[str] | None = None, timeout: float = 300) -> Result:
    """pyazcopy as a fresh process (what a person's shell, cron or SSH would start)."""
    completed = subprocess.run((prefix or []) + PYAZCOPY + args, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return Result(completed.returncode, completed.stdout, completed.stderr)


class Approver:
    """Approves the next pending device code as ``upn`` (what a person does in the browser, done via the admin API)."""

    def __init__(self, stack, upn: str, tenant: str | None = None) -> None:
        self.stack, self.upn, self.tenant = stack, upn, tenant
        self.approved: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + 120
        while not self._stop.is_set() and time.monotonic() < deadline:
            pending = self.stack.admin("GET", "/device/pending").json().get("pending", [])
            if pending:
                code = pending[0]["user_code"]
                self.stack.approve(code, self.upn, self.tenant)
                self.approved.append(code)
                return
            time.sleep(0.2)

    def __enter__(self) -> "Approver":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def user_home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def cli_env(localazure, user_home):
    return base_env(localazure, user_home)


def kernel_key_exists(description: str) -> bool:
    return subprocess.run(["keyctl", "search", "@u", "user", description], capture_output=True).returncode == 0
