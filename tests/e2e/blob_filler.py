"""Fill a container with many small blobs quickly, for tests that need a big listing.

Real Put Blob requests (Shared Key, the emulator's account key) straight to Azurite, without the SDK: one
keep-alive HTTPS connection per worker thread, a signature computed per request with hmac, no retries, no
response parsing beyond the status. The per-request client cost is then a few hundred microseconds, so the rate is
set by Azurite itself (which scans its blob list on every Put Blob).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import quote, urlsplit

API_VERSION = "2025-11-05"


@dataclass(frozen=True)
class FillResult:
    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else float("inf")


class _Putter:
    """One worker's keep-alive connection to the blob endpoint."""

    def __init__(self, base_url: str, account: str, key: bytes, context: ssl.SSLContext) -> None:
        parts = urlsplit(base_url)
        self.host, self.port, self.base_path = parts.hostname, parts.port, parts.path.rstrip("/")
        self.account, self.key, self.context = account, key, context
        self.connection: http.client.HTTPSConnection | None = None

    def _connect(self) -> http.client.HTTPSConnection:
        if self.connection is None:
            self.connection = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=60)
        return self.connection

    def put(self, container: str, name: str, body: bytes) -> None:
        path = f"{self.base_path}/{container}/{quote(name)}"
        date = formatdate(usegmt=True)
        headers = {"x-ms-blob-type": "BlockBlob", "x-ms-date": date, "x-ms-version": API_VERSION}
        canonical_headers = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()))
        length = str(len(body)) if body else ""
        to_sign = f"PUT\n\n\n{length}\n\n\n\n\n\n\n\n\n{canonical_headers}/{self.account}{path}"
        signature = base64.b64encode(hmac.new(self.key, to_sign.encode("utf-8"), hashlib.sha256).digest()).decode("ascii")
        headers["Authorization"] = f"SharedKey {self.account}:{signature}"
        headers["Content-Length"] = str(len(body))
        for attempt in (1, 2):  # a kept-alive connection the server closed is reopened once
            connection = self._connect()
            try:
                connection.request("PUT", path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
            except (http.client.HTTPException, ConnectionError):
                connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if response.status != 201:
                raise RuntimeError(f"Put Blob {name}: HTTP {response.status} {payload[:300]!r}")
            return

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def fill_container(base_url: str, account: str, account_key: str, ca_bundle: str, container: str, names, body: bytes = b"x", threads: int = 8) -> FillResult:
    """Put ``body`` at every name in ``names`` (the container must exist); ``base_url`` is the account URL,
    path style (``https://127.0.0.1:PORT/account``)."""
    context = ssl.create_default_context(cafile=ca_bundle)
    key = base64.b64decode(account_key)
    local = threading.local()
    putters: list[_Putter] = []
    lock = threading.Lock()

    def put(name: str) -> None:
        putter = getattr(local, "putter", None)
        if putter is None:
            putter = local.putter = _Putter(base_url, account, key, context)
            with lock:
                putters.append(putter)
        putter.put(container, name, body)

    names = list(names)
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(threads) as pool:
            for _ in pool.map(put, names, chunksize=64):
                pass
    finally:
        for putter in putters:
            putter.close()
    return FillResult(len(names), time.monotonic() - started)
