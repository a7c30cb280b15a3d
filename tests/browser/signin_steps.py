"""What a person does on localazure's sign-in pages, step by step, and helpers shared by the browser tests."""

from __future__ import annotations

import base64
import http.server
import json
import queue
import socket
import threading
from concurrent.futures import Future
from urllib.parse import parse_qs, urlparse

from azure.core.credentials import AccessToken

AZCOPY_CLIENT_ID = "579a7132-0e58-4d80-b1e1-7a1e2d337859"
STORAGE_SCOPE = "https://storage.azure.com/.default"
STORAGE_API_VERSION = "2025-11-05"


def enter_code(page, user_code: str) -> None:
    page.fill("#otc", user_code)
    page.click("#next")


def sign_in(page, upn: str, password: str) -> None:
    page.fill("#loginfmt", upn)
    page.fill("#passwd", password)
    page.click("#idSIButton9")


def error_text(page) -> str:
    return page.inner_text("#error")


def heading(page) -> str:
    return page.inner_text("h1")


def device_sign_in(page, verification_uri: str, user_code: str, upn: str, password: str) -> None:
    """The whole happy path: open the page, type the code, sign in, confirm; ends on the "signed in" page."""
    page.goto(verification_uri)
    enter_code(page, user_code)
    sign_in(page, upn, password)
    confirm(page)


def confirm(page) -> None:
    assert "Are you trying to sign in" in heading(page)
    page.click("#continue")
    assert "You have signed in" in page.inner_text("#done")


def jwt_claims(token: str) -> dict:
    """A JWT's payload, decoded without verifying it (the tests only read what the emulator put there)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def in_thread(function, *args, **kwargs) -> Future:
    """Run ``function`` in a daemon thread; the future gives its result or exception."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(function(*args, **kwargs))
        except BaseException as error:  # handed to the test, which re-raises it
            future.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return future


class Prompts:
    """A prompt_callback for DeviceCodeCredential that hands (verification_uri, user_code) to the test thread."""

    def __init__(self) -> None:
        self._queue: queue.Queue = queue.Queue()
        self.count = 0

    def __call__(self, verification_uri: str, user_code: str, expires_on) -> None:
        self.count += 1
        self._queue.put((verification_uri, user_code))

    def next(self, timeout: float = 30) -> tuple[str, str]:
        return self._queue.get(timeout=timeout)


class StaticTokenCredential:
    """A TokenCredential that hands out one access token (from MSAL) to azure-storage-blob."""

    def __init__(self, result: dict) -> None:
        self._token = AccessToken(result["access_token"], int(jwt_claims(result["access_token"])["exp"]))

    def get_token(self, *scopes, **kwargs) -> AccessToken:
        return self._token


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackRedirect:
    """A one-shot http://localhost:PORT server on 127.0.0.1, as a native app runs one to receive the redirect."""

    def __init__(self) -> None:
        received: queue.Queue = queue.Queue()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = urlparse(self.path).query
                if query and self.command == "GET":
                    received.put({k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()})
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<p id='received'>Authentication complete. You can close this window.</p>")

            def do_POST(self) -> None:  # response_mode=form_post
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("ascii")
                received.put({k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()})
                self.do_GET()

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.redirect_uri = f"http://localhost:{self.server.server_address[1]}"
        self._received = received
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def response(self, timeout: float = 15) -> dict:
        return self._received.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
