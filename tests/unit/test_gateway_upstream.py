"""The RBAC gateway's side towards Azurite: its log lines carry no SAS signature, and it lets idle connections go
before Azurite closes them."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from localazure.gateway.proxy import UPSTREAM_KEEPALIVE_SECONDS, redacted

AZURITE_CONSTANTS = Path(__file__).resolve().parents[2] / "node_modules" / "azurite" / "dist" / "src" / "blob" / "utils" / "constants.js"


def test_an_upstream_error_is_logged_without_its_signature():
    # what aiohttp raised in a CI run when Azurite closed a pooled connection under a streaming PUT
    error = aiohttp.ClientOSError(104, "Can not write request body for https://127.0.0.1:57169/devstoreaccount1/c/src/f06.bin"
                                       "?se=2026-12-04T19%3A20%3A46Z&sp=racwdl&sv=2026-10-06&sr=c&sig=MZPK/ePf5F7oAyQcaG98h%2Bw5z%3D")
    text = redacted(str(error))
    assert "MZPK" not in text and "sig=REDACTED" in text
    assert "f06.bin?se=2026-12-04T19%3A20%3A46Z&sp=racwdl" in text  # the rest of the line stays useful
    assert redacted("SIG=abc&x=1 'sig=def'") == "SIG=REDACTED&x=1 'sig=REDACTED'"


def test_idle_connections_to_azurite_close_before_azurite_closes_them():
    found = re.search(r"DEFAULT_BLOB_KEEP_ALIVE_TIMEOUT = (\d+);", AZURITE_CONSTANTS.read_text())
    assert found, f"Azurite's keep-alive constant not found in {AZURITE_CONSTANTS}"
    assert UPSTREAM_KEEPALIVE_SECONDS < int(found.group(1))
