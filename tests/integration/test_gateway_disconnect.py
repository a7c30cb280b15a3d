"""A client that goes away in the middle of a download is a normal event for the RBAC gateway: one log line, no
traceback (issue 12)."""

from __future__ import annotations

import socket
import ssl
import struct
import time
from urllib.parse import urlsplit

from copy_support import sas_url

BLOB_SIZE = 32 * 1024 * 1024  # far more than the socket buffers hold, so the gateway is still writing when the client leaves


def _log_after(localazure, offset: int) -> str:
    return (localazure.state_dir / "localazure.log").read_bytes()[offset:].decode("utf-8", "replace")


def test_a_client_leaving_mid_download_is_one_log_line(localazure, container):
    localazure.shared_key_service().get_container_client(container).upload_blob("big.bin", b"\x5a" * BLOB_SIZE)
    url = urlsplit(sas_url(localazure.blob_url, container, "big.bin"))
    log_path = localazure.state_dir / "localazure.log"
    offset = log_path.stat().st_size

    context = ssl.create_default_context(cafile=localazure.ca_bundle)
    raw = socket.create_connection((url.hostname, url.port), timeout=60)
    with context.wrap_socket(raw, server_hostname=url.hostname) as tls:
        tls.sendall(f"GET {url.path}?{url.query} HTTP/1.1\r\nHost: {url.netloc}\r\nx-ms-version: 2025-11-05\r\n\r\n".encode())
        received = tls.recv(65536)
        assert received.startswith(b"HTTP/1.1 200"), received[:200]
        # leave abruptly (RST), as a killed client or a stopped download does
        tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    deadline = time.monotonic() + 60
    text = _log_after(localazure, offset)
    while "big.bin" not in text and "Traceback" not in text and time.monotonic() < deadline:
        time.sleep(0.2)
        text = _log_after(localazure, offset)
    time.sleep(1)  # anything else the gateway logs about this request arrives now
    text = _log_after(localazure, offset)
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if "big.bin" in line]
    assert len(lines) == 1, text
    assert "connection lost" in lines[0].lower() and "GET" in lines[0], lines[0]
