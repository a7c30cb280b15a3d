"""The lean HTTP path's own parsing and request writing, against a real socket server on 127.0.0.1."""

from __future__ import annotations

import io
import re
import socket
import threading
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from pyazcopy.endpoints.lean_http import Headers, LeanTransport, _read_header_lines, client_request_id, http_date_timestamp


def test_headers_are_case_insensitive_and_repeated_ones_are_joined():
    h = Headers.parse([b"Content-Length: 16384", b'ETag: "0x8D"', b"x-ms-meta-a:  b c ", b"Set-Cookie: a", b"set-cookie: b",
                       b"no colon here", b"Empty:"])
    assert h.get("CONTENT-LENGTH") == "16384" and h["etag"] == '"0x8D"' and h["X-MS-META-A"] == "b c"
    assert h["set-cookie"] == "a, b" and h["empty"] == "" and "no colon here" not in h and h.get("missing") is None


@pytest.mark.parametrize("buffer_size", [8, 64, 8192])
def test_header_block_is_read_whole_or_line_by_line_and_the_body_is_left(buffer_size):
    raw = b"Content-Length: 5\r\nx-ms-request-id: abc\r\n\r\nhello"
    reader = io.BufferedReader(io.BytesIO(raw), buffer_size=buffer_size)
    lines = [line.rstrip(b"\r\n") for line in _read_header_lines(reader)]
    assert Headers.parse(lines) == {"content-length": "5", "x-ms-request-id": "abc"}
    assert reader.read() == b"hello"


def test_no_headers_at_all():
    reader = io.BufferedReader(io.BytesIO(b"\r\nbody"))
    assert _read_header_lines(reader) == [] and reader.read() == b"body"


class OneShotServer:
    """Answers each request on one kept-alive connection with a fixed response; records what it received."""

    def __init__(self, answer: bytes) -> None:
        self.answer, self.received = answer, b""
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0)
            while len(body) < length:
                body += conn.recv(65536)
            self.received = head + b"\r\n\r\n" + body
            conn.sendall(self.answer)


def test_a_request_carries_its_headers_and_body_and_the_answer_is_parsed():
    server = OneShotServer(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nETag: \"e\"\r\n\r\nok")
    transport = LeanTransport(f"http://127.0.0.1:{server.port}", extra_headers={"x-ms-version": "2025-11-05"})
    try:
        response = transport.send("PUT", "/acct/c/blob?comp=block", {"x-ms-meta-k": "v"}, memoryview(b"abcdef"))
        assert response.status_code == 201 and response.headers.get("etag") == '"e"' and response.read() == b"ok"
    finally:
        transport.close()
    head, _, body = server.received.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"PUT /acct/c/blob?comp=block HTTP/1.1"
    assert {b"x-ms-version: 2025-11-05", b"x-ms-meta-k: v", b"Content-Length: 6", f"Host: 127.0.0.1:{server.port}".encode()} <= set(lines)
    assert body == b"abcdef"


def test_a_header_value_with_a_line_break_is_refused_before_anything_is_sent():
    server = OneShotServer(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    transport = LeanTransport(f"http://127.0.0.1:{server.port}")
    try:
        with pytest.raises(ValueError, match="line break"):
            transport.send("PUT", "/acct/c/b", {"x-ms-meta-k": "v\r\nx-ms-evil: 1"}, b"")
    finally:
        transport.close()
    assert b"x-ms-evil" not in server.received


def test_client_request_ids_are_uuid_shaped_and_never_repeat():
    ids = [client_request_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", i) for i in ids)


@settings(max_examples=300)
@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31)).map(lambda d: d.replace(microsecond=0)))
def test_http_dates_parse_as_the_email_parser_does(moment):
    text = format_datetime(moment.replace(tzinfo=timezone.utc), usegmt=True)  # "Thu, 26 Nov 2026 21:59:48 GMT"
    assert http_date_timestamp(text) == parsedate_to_datetime(text).timestamp()


def test_other_date_forms_and_no_date():
    assert http_date_timestamp("Thu, 26 Nov 2026 22:59:48 +0100") == http_date_timestamp("Thu, 26 Nov 2026 21:59:48 GMT")
    assert http_date_timestamp("") == 0.0 and http_date_timestamp(None) == 0.0
