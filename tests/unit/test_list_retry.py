"""`list` retries through the one retry loop (endpoints/retry.py): a throttled page is asked again, four tries in
all, then the service's own error is shown. A real HTTP server on 127.0.0.1 answers; only the sleeps are recorded."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pyazcopy.endpoints.blob_listing import list_location
from pyazcopy.endpoints.locations import parse_location
from pyazcopy.errors import StorageServiceError

EMPTY_PAGE = (b'<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Blobs><Blob><Name>a.txt</Name><Properties>'
              b"<Content-Length>3</Content-Length></Properties></Blob></Blobs><NextMarker/></EnumerationResults>")
BUSY = b'<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is busy.</Message></Error>'


@pytest.fixture
def server():
    answers: list[int] = []
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            seen.append(self.path)
            status = answers.pop(0) if answers else 200
            body = EMPTY_PAGE if status == 200 else BUSY
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            if status != 200:
                self.send_header("x-ms-error-code", "ServerBusy")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/devstoreaccount1/box/?sv=x&sig=redacted-in-tests", answers, seen
    httpd.shutdown()
    httpd.server_close()


def _list(url: str, sleeps: list[float]):
    import pyazcopy.endpoints.blob_listing as blob_listing

    original = blob_listing.BlobListingClient.__init__

    def with_recorded_sleep(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self._sleep = sleeps.append

    blob_listing.BlobListingClient.__init__ = with_recorded_sleep
    try:
        return [item.path for item in list_location(parse_location(url))]
    finally:
        blob_listing.BlobListingClient.__init__ = original


def test_a_busy_page_is_asked_again(server):
    url, answers, seen = server
    answers.extend([503, 503])
    sleeps: list[float] = []
    assert _list(url, sleeps) == ["a.txt"]
    assert len(seen) == 3 and len(sleeps) == 2
    assert 0.4 <= sleeps[0] <= 0.8 and 0.8 <= sleeps[1] <= 1.6  # exponential, with jitter


def test_four_busy_answers_show_the_service_error(server):
    url, answers, seen = server
    answers.extend([503] * 4)
    sleeps: list[float] = []
    with pytest.raises(StorageServiceError, match="ServerBusy|busy") as caught:
        _list(url, sleeps)
    assert len(seen) == 4 and len(sleeps) == 3
    assert "sig=" not in str(caught.value)
