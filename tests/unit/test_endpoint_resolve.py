"""`endpoints.resolve`: a command-line location becomes an endpoint of the protocol, without secrets in what it shows."""

from __future__ import annotations

import os

import pytest

from pyazcopy import endpoints
from pyazcopy.endpoints.protocol import Destination, Endpoint, Source
from pyazcopy.errors import UsageError


def test_a_url_is_a_blob_container_and_shows_no_signature():
    endpoint = endpoints.resolve("https://acct.blob.core.windows.net/photos/2026/?sv=2025-11-05&sp=r&sig=SECRETSIGNATURE")
    try:
        assert endpoint.kind == "Blob" and isinstance(endpoint, Endpoint)
        assert "SECRETSIGNATURE" not in endpoint.display and "SECRETSIGNATURE" not in repr(endpoint.url)
        assert endpoint.display == "https://acct.blob.core.windows.net/photos/2026/?<SAS redacted>"
        assert endpoint.base == "2026/"
    finally:
        endpoint.close()


def test_a_path_style_url_keeps_its_account():
    endpoint = endpoints.resolve("https://127.0.0.1:10000/devstoreaccount1/box")
    try:
        assert endpoint.url.account_url == "https://127.0.0.1:10000/devstoreaccount1" and endpoint.base == ""
    finally:
        endpoint.close()


def test_anything_else_is_a_local_directory(tmp_path):
    endpoint = endpoints.resolve(str(tmp_path / "here"))
    assert endpoint.kind == "Local" and isinstance(endpoint, Source) and isinstance(endpoint, Destination)
    assert endpoint.display == os.path.abspath(tmp_path / "here")


def test_a_bad_url_says_what_to_fix():
    with pytest.raises(UsageError, match="bad port 'notaport'.*fix the URL"):
        endpoints.resolve("https://127.0.0.1:notaport/devstoreaccount1/box")


def test_a_local_name_that_escapes_the_directory_is_refused(tmp_path):
    endpoint = endpoints.resolve(str(tmp_path))
    with pytest.raises(Exception, match="escape|absolute"):
        endpoint.open_writer("../outside.txt", 1)
    assert not (tmp_path.parent / "outside.txt").exists()
