"""Helpers for the copy tests: SAS URLs, engine settings, file trees, and a counting / fault-injecting HTTP proxy.

The proxy listens on plain HTTP on 127.0.0.1 and forwards to the stack's HTTPS endpoint, so tests can count what
reaches the server (method, blob, block id) and make it answer 503 or drop connections. SAS requests only: the
product refuses to send a token over plain HTTP.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import aiohttp
from aiohttp import web
from azure.storage.blob import ContainerSasPermissions, generate_container_sas

from localazure.fixtures import DEV_ACCOUNT_KEY
from pyazcopy.engine.options import EngineSettings
from pyazcopy.endpoints.retry import RetryPolicy

FAST_RETRY = RetryPolicy(max_tries=30, initial_delay=0.05, max_delay=0.5)


def container_sas(container: str, hours: float = 2, permission: str = "racwdl", expiry: datetime | None = None) -> str:
    return generate_container_sas(
        "devstoreaccount1", container, account_key=DEV_ACCOUNT_KEY,
        permission=ContainerSasPermissions.from_string(permission),
        expiry=expiry or datetime.now(timezone.utc) + timedelta(hours=hours),
    )


def sas_url(base_url: str, container: str, path: str = "", **kwargs) -> str:
    from urllib.parse import quote

    return f"{base_url}/{container}" + (f"/{quote(path)}" if path else "") + "?" + container_sas(container, **kwargs)


def engine_settings(tmp_path: Path, **overrides) -> EngineSettings:
    values = dict(plan_dir=tmp_path / "plans", log_dir=tmp_path / "logs", concurrency=16, retry=FAST_RETRY, progress_interval=0.2)
    values.update(overrides)
    return EngineSettings(**values)


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def tree_digest(root: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under root (temp download files included, so leftovers show)."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def big_file(path: Path, size: int, seed: int = 1) -> Path:
    """A file of pseudo-random bytes, written in 8 MiB pieces (no huge allocation)."""
    rng = random.Random(seed)
    piece = rng.randbytes(8 * 1024 * 1024)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        written = 0
        i = 0
        while written < size:
            n = min(len(piece), size - written)
            handle.write(piece[:n] if i % 2 == 0 else piece[n - 1::-1][:n])
            written += n
            i += 1
    return path


@dataclass
class Request:
    method: str
    path: str  # unquoted blob path after the account: container/name
    comp: str
    block_id: str
    status: int
    range: str = ""


@dataclass
class CountingProxy:
    """Forwards http://127.0.0.1:PORT/... to ``upstream`` (https origin); records requests; injects faults."""

    upstream: str
    ca_bundle: str
    fault_rate: float = 0.0  # share of requests answered 503 or cut
    fault_kinds: str = "mixed"  # mixed | drop | 503 | cut
    listing_rewrites: dict[str, str] = field(default_factory=dict)  # text replaced in List Blobs answers
    seed: int = 7
    requests: list[Request] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _in_flight: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "CountingProxy":
        ready = threading.Event()
        self._rng = random.Random(self.seed)
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        context = ssl.create_default_context(cafile=self.ca_bundle)

        async def setup():
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context, limit=128), auto_decompress=False,
                                                  skip_auto_headers=("Accept-Encoding", "User-Agent", "Content-Type"))
            app = web.Application(client_max_size=1 << 34)
            app.router.add_route("*", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]

        self._loop.run_until_complete(setup())
        ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        async def teardown():
            await self._runner.cleanup()
            await self._session.close()

        if self._loop is not None:
            asyncio.run_coroutine_threadsafe(teardown(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def wait_idle(self, timeout: float = 30.0, quiet: float = 0.5) -> None:
        """Until no request has been in flight for ``quiet`` seconds (a killed client's last requests may still be
        on their way upstream, and are recorded when the answer comes back)."""
        deadline, idle_since = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            if self._in_flight == 0:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= quiet:
                    return
            else:
                idle_since = None
            time.sleep(0.05)
        raise TimeoutError(f"the proxy still had {self._in_flight} requests in flight after {timeout} s")

    def matching(self, method: str | None = None, comp: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if (method is None or r.method == method) and (comp is None or r.comp == comp)]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self._in_flight += 1  # the proxy's one event-loop thread: no lock needed
        try:
            return await self._forward(request)
        finally:
            self._in_flight -= 1

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        parts = urlsplit(str(request.rel_url))
        query = parse_qs(parts.query)
        path = unquote(parts.path).split("/", 2)[-1]
        record = Request(request.method, path, (query.get("comp") or [""])[0], (query.get("blockid") or [""])[0], 0,
                         request.headers.get("x-ms-range", ""))
        fault = self._rng.random() < self.fault_rate
        kind = self._rng.random() if self.fault_kinds == "mixed" else {"drop": 0.0, "503": 0.5, "cut": 0.9}[self.fault_kinds]
        if fault and kind < 0.3:  # drop the connection without an answer
            await request.read()
            record.status = -1
            with self._lock:
                self.requests.append(record)
            request.transport.close()
            return web.Response(status=500)
        if fault and kind < 0.65:
            await request.read()
            record.status = 503
            with self._lock:
                self.requests.append(record)
            return web.Response(status=503, headers={"x-ms-error-code": "ServerBusy"},
                                text="<?xml version=\"1.0\"?><Error><Code>ServerBusy</Code><Message>injected</Message></Error>")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "transfer-encoding", "connection", "expect")}
        data = request.content if request.can_read_body else None
        async with self._session.request(request.method, self.upstream + str(request.rel_url), headers=headers, data=data,
                                         allow_redirects=False) as upstream:
            record.status = upstream.status
            with self._lock:
                self.requests.append(record)
            if self.listing_rewrites and record.comp == "list":
                body = (await upstream.read()).decode()
                for old, new in self.listing_rewrites.items():
                    body = body.replace(old, new)
                return web.Response(status=upstream.status, body=body.encode(), content_type="application/xml")
            response = web.StreamResponse(status=upstream.status, headers={k: v for k, v in upstream.headers.items()
                                                                           if k.lower() not in ("transfer-encoding", "connection", "content-encoding")})
            if upstream.headers.get("Content-Length"):
                response.content_length = int(upstream.headers["Content-Length"])
            await response.prepare(request)
            sent = 0
            cut_at = self._rng.randint(0, 64 * 1024) if fault else -1
            async for piece in upstream.content.iter_chunked(256 * 1024):
                if cut_at >= 0 and sent + len(piece) > cut_at:
                    request.transport.close()  # drop the connection mid-response
                    return response
                await response.write(piece)
                sent += len(piece)
            if fault:
                request.transport.close()
                return response
            await response.write_eof()
            return response


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def account_path(url: str) -> str:
    return urlsplit(url).path


RUNNER = """
import json, signal, sys
# a child of a shell without job control (CI run in the background) starts with SIGINT ignored: take it back, as
# the pyazcopy command does, so the Ctrl-C test's SIGINT arrives as KeyboardInterrupt
signal.signal(signal.SIGINT, signal.default_int_handler)
from pathlib import Path
from pyazcopy.engine.job import run_copy
from pyazcopy.engine.options import CopyOptions, EngineSettings
from pyazcopy.endpoints.retry import RetryPolicy
args = json.loads(sys.argv[1])
settings = EngineSettings(plan_dir=Path(args["plan_dir"]), log_dir=Path(args["log_dir"]), concurrency=args.get("concurrency", 8),
                          retry=RetryPolicy(max_tries=30, initial_delay=0.05, max_delay=0.5), progress_interval=0)
summary = run_copy(CopyOptions(**args["options"]), settings)
print(summary.status)
"""


def start_copy_process(tmp_path: Path, options: dict, concurrency: int = 8):
    """Run a copy job in a child process (so the test can kill -9 it)."""
    import json
    import subprocess
    import sys

    args = {"plan_dir": str(tmp_path / "plans"), "log_dir": str(tmp_path / "logs"), "concurrency": concurrency, "options": options}
    return subprocess.Popen([sys.executable, "-c", RUNNER, json.dumps(args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_plan(plan_dir: Path, condition: str, at_least: int, process, timeout: float = 60) -> str:
    """Poll the child's plan until ``SELECT COUNT(*) ... condition`` reaches ``at_least``; returns the job id."""
    import sqlite3
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the copy ended before the test could stop it: {process.communicate()}")
        for path in plan_dir.glob("*.plan.sqlite"):
            try:
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
                count = db.execute(f"SELECT COUNT(*) FROM {condition}").fetchone()[0]
                db.close()
            except sqlite3.Error:
                continue
            if count >= at_least:
                return path.name.split(".")[0]
        time.sleep(0.02)
    raise AssertionError("the copy made no progress in time")


def plan_query(plan_dir: Path, job_id: str, sql: str) -> list[tuple]:
    import sqlite3

    db = sqlite3.connect(str(plan_dir / f"{job_id}.plan.sqlite"))
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()
