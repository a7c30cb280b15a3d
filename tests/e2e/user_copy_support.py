"""Small helpers for the signed-in copy tests: trees to copy, the copy variables, and the secrets a login left behind."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

from conftest import kernel_key_exists

from pyazcopy.auth import kernel_keyring
from pyazcopy.auth.persisted_login import store_key
from pyazcopy.settings import Settings

# What a secret looks like when it leaks: a JWT (header.payload.), a SAS signature not redacted (in a query or encoded).
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.")
RAW_SIGNATURE = re.compile(rb"(?i)sig(=|%3D)(?!REDACTED)[A-Za-z0-9%+/]")


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def tree_digest(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under root (temp download files included, so leftovers show)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def copy_env(env: dict[str, str], home: Path, **extra: str) -> dict[str, str]:
    """``env`` plus AzCopy's plan and log locations under ``home``."""
    return dict(env, AZCOPY_JOB_PLAN_LOCATION=str(home / "plans"), AZCOPY_LOG_LOCATION=str(home / "logs"), **extra)


def saved_login_secrets(env: dict[str, str]) -> list[str]:
    """Every token secret (access, refresh, id) in the MSAL cache ``login`` saved in the kernel keyring."""
    key = "pyazcopy:" + store_key(Settings.from_environment(env))
    assert kernel_key_exists(key)
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                if name == "secret" and isinstance(inner, str):
                    found.append(inner)
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)
        elif isinstance(value, str) and value.lstrip().startswith("{"):
            walk(json.loads(value))

    walk(json.loads(kernel_keyring.read(key)))
    assert found, "the saved login holds no token secret"
    return found


def leaks(paths: list[Path], outputs: list[str], secrets: list[str]) -> list[str]:
    """Where a JWT, a raw SAS signature or one of ``secrets`` appears: 'file: what' (never the secret itself)."""
    found = []
    named = []
    for i, secret in enumerate(s for s in secrets if s):
        encoded = quote(secret, safe="")
        named += [(secret.encode(), f"secret {i}")] + ([(encoded.encode(), f"encoded secret {i}")] if encoded != secret else [])
    for where, data in [(str(p), p.read_bytes()) for p in paths] + [(f"output {i}", o.encode()) for i, o in enumerate(outputs)]:
        for pattern, what in ((JWT, "a JWT"), (RAW_SIGNATURE, "a SAS signature")):
            if pattern.search(data):
                found.append(f"{where}: {what}")
        found += [f"{where}: {what}" for value, what in named if value in data]
    return found


def files_under(*roots: Path) -> list[Path]:
    return sorted(p for root in roots if root.exists() for p in root.rglob("*") if p.is_file())


def wait_for_done_transfers(plan_dir: Path, at_least: int, process, timeout: float = 120) -> str:
    """Wait until the running job's plan records ``at_least`` finished transfers; returns the job id. Polls the plan
    (read-only) because the command prints nothing per file on a pipe."""
    import sqlite3
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the copy ended before the test could stop it: {process.communicate()}")
        for path in plan_dir.glob("*.plan.sqlite"):
            try:
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
                try:
                    done = db.execute("SELECT COUNT(*) FROM transfers WHERE status = 2").fetchone()[0]
                finally:
                    db.close()
            except sqlite3.Error:
                continue
            if done >= at_least:
                return path.name.split(".")[0]
        time.sleep(0.1)
    raise AssertionError(f"fewer than {at_least} transfers finished within {timeout} s")


def kill(process) -> str:
    """kill -9 ``process``; returns what it printed."""
    import signal

    os.kill(process.pid, signal.SIGKILL)
    out, _ = process.communicate(timeout=30)
    return out or ""
