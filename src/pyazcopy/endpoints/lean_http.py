"""The lean HTTP path of the data plane: one persistent ``http.client`` connection per worker thread.

Measured here (docs/PERFORMANCE.md): a 16 KiB Put Blob costs about 2.7 ms of client CPU through azure-core's pipeline
on ``requests`` and about 0.7 ms through ``http.client``, so small-file transfers were bound by the client's
per-request overhead. The design allows a lean path for the hot requests; it keeps azure-core's credential protocol
(``get_token`` with the refresh rule of ``BearerTokenCredentialPolicy``: a new token when less than 5 minutes are
left) and leaves retries to the engine, as before. Bodies are sent from ``memoryview`` without copies and read
with ``readinto`` into the caller's buffers, so large transfers allocate nothing per chunk.
"""

from __future__ import annotations

import calendar
import http.client
import itertools
import re
import socket
import ssl
import threading
import time
import uuid
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
CONNECTION_ERRORS = (OSError, http.client.HTTPException)  # socket.timeout and ssl.SSLError are OSErrors


_HEADER_LINE = re.compile(r"^[ \t]*([^:\r\n]+?)[ \t]*:[ \t]*(.*?)[ \t\r]*$", re.MULTILINE)


_REQUEST_ID_PREFIX = str(uuid.uuid4())[:24]  # random per process; the counter makes each id unique
_request_numbers = itertools.count()


def client_request_id() -> str:
    """A UUID-shaped ``x-ms-client-request-id``, unique per request: a per-process random prefix and a counter (no
    ``getrandom`` system call per request, as ``uuid4`` makes)."""
    return f"{_REQUEST_ID_PREFIX}{next(_request_numbers) & 0xFFFFFFFFFFFF:012x}"


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_HTTP_DATE = re.compile(r"[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT")


def http_date_timestamp(text: str | None) -> float:
    """An HTTP date (``Thu, 26 Nov 2026 21:59:48 GMT``, what Azure Storage sends) as a POSIX timestamp; 0.0 for none.
    Other date forms go through ``email.utils``."""
    if not text:
        return 0.0
    match = _HTTP_DATE.fullmatch(text)
    if match and match.group(2) in _MONTHS:
        day, month, year, hour, minute, second = match.groups()
        return float(calendar.timegm((int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second))))
    from email.utils import parsedate_to_datetime  # noqa: PLC0415

    return parsedate_to_datetime(text).timestamp()


class Headers(dict):
    """Response headers with case-insensitive ``get`` (what ``http.client``'s ``email``-based parser gives, at a
    fraction of its cost: that parser was a third of the client CPU of a small-file upload)."""

    @classmethod
    def parse(cls, lines: list[bytes]) -> "Headers":
        pairs = _HEADER_LINE.findall(b"\n".join(lines).decode("iso-8859-1"))
        plain = {name.lower(): value for name, value in pairs}
        if len(plain) != len(pairs):  # a repeated header: its values joined, as the email parser's get_all would
            plain = {}
            for name, value in pairs:
                key = name.lower()
                plain[key] = f"{plain[key]}, {value}" if key in plain else value
        return cls(plain)

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())

    def get_all(self, name: str, failobj: Any = None) -> Any:
        value = self.get(name)
        return failobj if value is None else [value]


def _read_header_lines(fp) -> list[bytes]:
    """The header lines of a response, read as one block when the reader's buffer already holds all of them (one
    ``peek`` and one ``read`` instead of a ``readline`` per header); else line by line as ``http.client`` does."""
    data = fp.peek(_MAX_HEADER_BLOCK)
    if data.startswith(b"\r\n"):
        fp.read(2)
        return []
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return http.client._read_headers(fp)  # type: ignore[attr-defined]
    return fp.read(end + 4)[:end].split(b"\r\n")


_MAX_HEADER_BLOCK = 64 * 1024


class _Response(http.client.HTTPResponse):
    """``http.client.HTTPResponse`` whose ``begin`` parses headers with :class:`Headers` (else the same logic)."""

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()  # type: ignore[attr-defined]
            if status != http.client.CONTINUE:
                break
            http.client._read_headers(self.fp)  # type: ignore[attr-defined]
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = Headers.parse(_read_header_lines(self.fp))  # type: ignore[assignment]
        encoding = self.headers.get("transfer-encoding")
        self.chunked = bool(encoding and encoding.lower() == "chunked")
        self.chunk_left = None
        self.will_close = self._check_close()  # type: ignore[attr-defined]
        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked:
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED) or 100 <= status < 200 or self._method == "HEAD":  # type: ignore[attr-defined]
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


class LeanResponse:
    """The part of azure-core's ``HttpResponse`` the data path uses, plus ``readinto``."""

    def __init__(self, response: http.client.HTTPResponse, transport: "LeanTransport") -> None:
        self._response = response
        self._transport = transport
        self.status_code = response.status
        self.headers = response.headers  # case-insensitive ``get``
        self.closed = False

    def read(self) -> bytes:
        try:
            return self._response.read()
        except CONNECTION_ERRORS:
            self._transport.drop()
            raise

    def readinto(self, buffer) -> int:
        try:
            return self._response.readinto(buffer)
        except CONNECTION_ERRORS:
            self._transport.drop()
            raise

    def iter_bytes(self, size: int = 1024 * 1024):
        while True:
            piece = self.read_some(size)
            if not piece:
                return
            yield piece

    def read_some(self, size: int) -> bytes:
        try:
            return self._response.read(size)
        except CONNECTION_ERRORS:
            self._transport.drop()
            raise

    def close(self) -> None:
        """Give the connection back for the next request, or drop it when part of the body was left unread."""
        if self.closed:
            return
        self.closed = True
        left = self._response.length
        if not self._response.isclosed() and (left is None or left > 0 or self._response.chunked):
            self._transport.drop()
        self._response.close()


class LeanTransport:
    """Requests to one origin (``scheme://host:port``); safe to share between threads (a connection per thread)."""

    def __init__(self, origin: str, credential: Any = None, scope: str = "", verify: Any = True, timeout: float = 120.0,
                 extra_headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(origin)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if self.https else 80)
        self.timeout = timeout
        self.credential, self.scope = credential, scope
        self.extra_headers = dict(extra_headers or {})
        self._context: ssl.SSLContext | None = None
        if self.https:
            context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
            if verify is False:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            self._context = context
        self._local = threading.local()
        self._connections: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._token: Any = None
        self._token_lock = threading.Lock()

    # --- connections ----------------------------------------------------------------------------------------
    def _connection(self) -> http.client.HTTPConnection:
        last = getattr(self._local, "response", None)
        if last is not None and not last.closed:
            last.close()  # a caller that did not close its response: never send on a busy connection
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self.https:
                connection = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self._context)
            else:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            connection.response_class = _Response
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def drop(self) -> None:
        """Close this thread's connection (after an error or an unread body); the next request opens a new one."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()

    # --- authorization --------------------------------------------------------------------------------------
    def _authorization(self) -> str:
        with self._token_lock:
            token = self._token
            if token is None or token.expires_on - time.time() < 300:
                token = self._token = self.credential.get_token(self.scope)
            return f"Bearer {token.token}"

    # --- sending --------------------------------------------------------------------------------------------
    def send(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> LeanResponse:
        """Send one request (``path`` includes the query) and return the response with its body unread.

        A request on a kept-alive connection that the server had closed meanwhile is sent again at once on a new
        connection (the body is a buffer, so it can be); other connection failures are raised."""
        all_headers = {**self.extra_headers, **headers}
        if self.credential is not None:
            all_headers["Authorization"] = self._authorization()
        if body is None and method in ("PUT", "POST"):
            all_headers.setdefault("Content-Length", "0")
        for attempt in (1, 2):
            connection = self._connection()
            reused = connection.sock is not None
            try:
                _send_request(connection, method, path, all_headers, body)
                response = LeanResponse(connection.getresponse(), self)
            except STALE_CONNECTION_ERRORS:
                connection.close()
                if reused and attempt == 1:
                    continue
                raise
            except CONNECTION_ERRORS:
                connection.close()
                raise
            self._local.response = response
            return response
        raise http.client.RemoteDisconnected("connection closed")  # not reached


class MeteredBody:
    """A request body that http.client sends piece by piece (an iterable, with Content-Length already set), calling
    ``progress(n)`` before each piece of at most 1 MiB: the caller's rate limit paces the upload and its counters see
    the bytes as they go. Iterating again (a resend on a fresh connection) sends, and counts, the bytes again."""

    PIECE = 1024 * 1024

    def __init__(self, data: memoryview | bytes, progress: Callable[[int], None]) -> None:
        self.view = memoryview(data).cast("B") if not isinstance(data, memoryview) or data.format != "B" else data
        self.progress = progress

    def __len__(self) -> int:
        return len(self.view)

    def __iter__(self) -> Iterator[memoryview]:
        for start in range(0, len(self.view), self.PIECE):
            piece = self.view[start:start + self.PIECE]
            self.progress(len(piece))
            yield piece


def _send_request(connection: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str], body: Any) -> None:
    """``connection.request`` without its per-header regular expressions (a sixth of a small request's CPU): the
    header lines go straight into the connection's output buffer. Names are the data path's own; values are
    checked for line breaks, which is what those expressions guard against (a header injected through metadata)."""
    buffer = getattr(connection, "_buffer", None)
    if buffer is None:  # not CPython's http.client layout: the standard way
        connection.request(method, path, body=body, headers=headers)
        return
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers.items():
        value = str(value)
        if "\r" in value or "\n" in value or "\0" in value:
            raise ValueError(f"invalid value for the {name} header: it contains a line break")
        buffer.append(f"{name}: {value}".encode("latin-1"))
    if body is not None and "Content-Length" not in headers and "content-length" not in headers:
        buffer.append(f"Content-Length: {len(body)}".encode("latin-1"))
    connection.endheaders(body)


def is_connection_error(error: BaseException) -> bool:
    return isinstance(error, CONNECTION_ERRORS) or isinstance(error, socket.timeout)
