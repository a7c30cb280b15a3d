"""Starting and stopping Azurite (the storage emulator from npm) over HTTPS with Entra tokens enabled."""

from __future__ import annotations

import asyncio
import ctypes
import os
import re
import shutil
import signal
import ssl
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import aiohttp

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PR_SET_PDEATHSIG = 1
ACCESS_LOG_VARIABLE = "LOCALAZURE_AZURITE_ACCESS_LOG"  # 1: keep Azurite's access log (one line per request), SAS signatures redacted
_SIGNATURE = re.compile(rb"(?i)(sig=)[^&\s\"]+")
ACCOUNTS_VARIABLE = "AZURITE_ACCOUNTS"  # Azurite's own: "name1:key1;name2:key2", read at start and every minute


class AzuriteError(RuntimeError):
    """Azurite could not be started; the message says what to install or check."""


def azurite_executable() -> Path:
    """LOCALAZURE_AZURITE_BLOB if set; else the checkout's node_modules/.bin/azurite-blob (pyazcopy's repository after
    `npm ci`); else azurite-blob on PATH (localazure installed on its own, Azurite from npm)."""
    configured = os.environ.get("LOCALAZURE_AZURITE_BLOB")
    checkout = PROJECT_ROOT / "node_modules" / ".bin" / "azurite-blob"
    path = Path(configured) if configured else checkout
    if not configured and not checkout.exists() and (on_path := shutil.which("azurite-blob")):
        path = Path(on_path)
    if not path.exists():
        if (PROJECT_ROOT / "package-lock.json").exists():
            hint = f"run `npm ci` in {PROJECT_ROOT}"
        else:
            hint = "install it with `npm install azurite@3.35.0` and put its node_modules/.bin on PATH"
        raise AzuriteError(f"Azurite is not installed at {path}: {hint} (or set LOCALAZURE_AZURITE_BLOB to its azurite-blob)")
    return path


def _die_with_parent() -> None:
    """In the child: ask the kernel to stop Azurite if localazure itself dies, even by SIGKILL."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def _copy_redacted(source, log) -> None:
    """Azurite's output into its log, line by line, with the signature of every SAS replaced."""
    with source, log:
        for line in source:
            log.write(_SIGNATURE.sub(rb"\1REDACTED", line))
            log.flush()


@dataclass
class AzuriteProcess:
    process: subprocess.Popen
    port: int
    account: str

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/{self.account}"

    @classmethod
    async def start(cls, port: int, cert: Path, key: Path, workdir: Path, account: str, client_ssl: ssl.SSLContext, timeout: float = 60.0,
                    location: Path | None = None, accounts: dict[str, str] | None = None) -> "AzuriteProcess":
        """Azurite in memory, or on disk in ``location`` (which may hold a database bench/azurite_seed.py wrote).

        ``accounts`` (name -> base64 key) become Azurite's AZURITE_ACCOUNTS, which replace its one default account;
        without it Azurite serves only devstoreaccount1."""
        workdir.mkdir(parents=True, exist_ok=True)
        command = [
            str(azurite_executable()),
            "--blobHost", "127.0.0.1",
            "--blobPort", str(port),
            "--oauth", "basic",
            "--cert", str(cert),
            "--key", str(key),
            *(["--location", str(location)] if location else ["--inMemoryPersistence"]),
            "--disableTelemetry",
            "--skipApiVersionCheck",
        ]
        access_log = os.environ.get(ACCESS_LOG_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")
        if not access_log:  # its request lines carry every SAS in full: off unless asked for, and then redacted
            command.append("--silent")
        log = open(workdir / "azurite.log", "ab")
        environment = dict(os.environ)
        if accounts:
            environment[ACCOUNTS_VARIABLE] = ";".join(f"{name}:{secret}" for name, secret in accounts.items())
        process = subprocess.Popen(command, stdout=subprocess.PIPE if access_log else log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True, preexec_fn=_die_with_parent, cwd=workdir, env=environment)
        if access_log:
            threading.Thread(target=_copy_redacted, args=(process.stdout, log), name="azurite-log", daemon=True).start()
        else:
            log.close()
        azurite = cls(process, port, account)
        await azurite._wait_until_ready(client_ssl, timeout, workdir / "azurite.log")
        return azurite

    async def _wait_until_ready(self, client_ssl: ssl.SSLContext, timeout: float, log: Path) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self.process.poll() is not None:
                    raise AzuriteError(f"Azurite exited with code {self.process.returncode}; see {log}:\n{log.read_text(errors='replace')[-2000:]}")
                try:
                    async with session.get(f"{self.url}?comp=list", ssl=client_ssl) as response:
                        await response.read()
                        return  # any HTTP answer (403 without credentials) means it is serving
                except (aiohttp.ClientError, OSError):
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    self.stop()
                    raise AzuriteError(f"Azurite did not answer on port {self.port} within {timeout:.0f} s; see {log}")
                await asyncio.sleep(0.2)

    def stop(self, grace: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
