"""Running a localazure stack from tests and scripts: start `python -m localazure up` and talk to its admin API."""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from localazure.config import Config, load_config
from localazure.stack import ENV_FILE, read_env

# Azurite's well-known development account key, published in its own documentation; it works only on emulators.
DEV_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class StackStartError(RuntimeError):
    pass


@dataclass
class LocalAzure:
    """A running stack: its environment variables, its configuration and its admin API."""

    process: subprocess.Popen
    state_dir: Path
    config: Config
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def start(cls, state_dir: Path, config_path: Path | None = None, timeout: float = 120.0) -> "LocalAzure":
        state_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "localazure", "up", "--state-dir", str(state_dir)]
        if config_path is not None:
            command += ["--config", str(config_path)]
        log = open(state_dir / "localazure.log", "ab")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while not (state_dir / ENV_FILE).exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise StackStartError(f"localazure did not come up; its output:\n{(state_dir / 'localazure.log').read_text(errors='replace')[-4000:]}")
            time.sleep(0.1)
        return cls(process, state_dir, load_config(config_path), read_env(state_dir))

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    # conveniences ------------------------------------------------------------------------------------------
    @property
    def authority(self) -> str:
        return self.env["LOCALAZURE_AUTHORITY"]

    @property
    def tenant_id(self) -> str:
        return self.env["LOCALAZURE_TENANT_ID"]

    @property
    def blob_url(self) -> str:
        return self.env["LOCALAZURE_BLOB_URL"]

    @property
    def blob_url_2(self) -> str:
        """The second Blob account, through the same gateway (its own role assignments)."""
        return self.env["LOCALAZURE_BLOB_URL_2"]

    @property
    def file_url(self) -> str:
        return self.env["LOCALAZURE_FILE_URL"]

    @property
    def ca_bundle(self) -> str:
        return self.env["REQUESTS_CA_BUNDLE"]

    def tenant(self, name: str):
        return next(t for t in self.config.tenants if t.name == name)

    def user(self, name: str):
        return next(u for u in self.config.users if u.upn.split("@")[0] == name)

    def admin(self, method: str, path: str, json: dict | None = None) -> requests.Response:
        return requests.request(method, self.env["LOCALAZURE_ADMIN_URL"] + path, json=json, verify=self.ca_bundle, timeout=30)

    def approve(self, user_code: str, upn: str, tenant: str | None = None) -> dict:
        response = self.admin("POST", "/device/approve", {"user_code": user_code, "upn": upn, "tenant": tenant})
        response.raise_for_status()
        return response.json()

    def token_stats(self) -> dict:
        return self.admin("GET", "/stats").json()

    def assign_role(self, role: str, scope: str = "/", account: str | None = None, **principal: str) -> dict:
        """Add a role assignment through the gateway's admin API, e.g. ``assign_role("Storage Blob Data Reader",
        "/photos", upn="carol@contoso.test")``; it counts after the stack's propagation delay. ``account`` names the
        second Blob account (LOCALAZURE_STORAGE_ACCOUNT_2) instead of the first. Returns it (``id``)."""
        response = self.admin("POST", "/role-assignments", {**principal, "role": role, "scope": scope, **({"account": account} if account else {})})
        response.raise_for_status()
        return response.json()

    def remove_role(self, assignment_id: str) -> None:
        self.admin("DELETE", f"/role-assignments/{assignment_id}").raise_for_status()

    def write_workload_token(self, path: Path, subject: str, audiences: list[str] | None = None, lifetime_seconds: int = 3600) -> Path:
        """Write a service-account token of localazure's Kubernetes-like issuer, as AKS mounts it (workload identity)."""
        response = self.admin("POST", "/workload/token", {"subject": subject, "audiences": audiences, "lifetime_seconds": lifetime_seconds})
        response.raise_for_status()
        path.write_text(response.json()["token"], encoding="utf-8")
        return path

    def shared_key_service(self, second: bool = False):
        """A BlobServiceClient with an account key (the first account's, or the second's), for test set-up and
        clean-up only."""
        from azure.storage.blob import BlobServiceClient

        suffix = "_2" if second else ""
        return BlobServiceClient(
            self.env["LOCALAZURE_BLOB_DIRECT_URL" + suffix],
            credential={"account_name": self.env["LOCALAZURE_STORAGE_ACCOUNT" + suffix],
                        "account_key": self.env["LOCALAZURE_STORAGE_ACCOUNT_KEY_2"] if second else DEV_ACCOUNT_KEY},
            api_version="2025-11-05",
            connection_verify=self.ca_bundle,
        )


    def shared_key_file_service(self):
        """A ShareServiceClient on localazure's File service with the account key, for test set-up and clean-up."""
        from azure.storage.fileshare import ShareServiceClient

        return ShareServiceClient(
            self.file_url,
            credential={"account_name": self.env["LOCALAZURE_STORAGE_ACCOUNT"], "account_key": DEV_ACCOUNT_KEY},
            connection_verify=self.ca_bundle,
        )


class RepeatedBody:
    """``size`` bytes of a repeated random pattern, produced on the fly: nothing holds a copy of the whole body."""

    def __init__(self, pattern: bytes, size: int) -> None:
        self.pattern, self.size = pattern, size

    def __len__(self) -> int:
        return self.size

    def __iter__(self):
        left = self.size
        while left:
            piece = self.pattern if left >= len(self.pattern) else self.pattern[:left]
            left -= len(piece)
            yield piece


@contextmanager
def trusted_stack(state_dir: Path) -> Iterator["LocalAzure"]:
    """A stack started in ``state_dir`` whose CA this process trusts while it runs; stopped (and the trust restored)
    on leaving."""
    stack = LocalAzure.start(state_dir)
    previous = trust_stack_ca(stack.env)
    try:
        yield stack
    finally:
        restore_environment(previous)
        stack.stop()


def unique_container_name(prefix: str = "test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:20]}"


def trust_stack_ca(env: dict[str, str]) -> dict[str, str | None]:
    """Point this process's TLS trust at the stack's bundle; returns the previous values for restoring."""
    names = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
    previous = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ[name] = env[name]
    return previous


def restore_environment(previous: dict[str, str | None]) -> None:
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download does not work offline
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def spki_pins(state_dir: Path) -> list[str]:
    """base64(sha256(SubjectPublicKeyInfo)) of the stack's server certificate and CA, as Chromium's pin list wants."""
    pins = []
    for name in ("server.pem", "ca.pem"):
        for certificate in x509.load_pem_x509_certificates((state_dir / "tls" / name).read_bytes()):
            spki = certificate.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
            pins.append(base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii"))
    return pins


def chromium_launch_options(state_dir: Path) -> dict:
    """Playwright launch options for headless Chromium that trusts only the stack's certificates (TLS stays checked)."""
    pins = ",".join(spki_pins(state_dir))
    return {"executable_path": CHROMIUM, "args": CHROMIUM_FLAGS + [f"--ignore-certificate-errors-spki-list={pins}"]}


def sign_in_at_device_code_page(url: str, code: str, state_dir: Path, upn: str = "alice@contoso.test",
                                password: str = "password-alice") -> str:
    """What a person does in headless Chromium: open the device-code page, type the code, sign in as ``upn`` and
    confirm. Returns the final page's text. Call it from a thread without a running event loop (Playwright's sync API)."""
    from playwright.sync_api import sync_playwright  # only tests that drive a browser need Playwright

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
