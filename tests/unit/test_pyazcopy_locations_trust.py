"""Storage URL parsing (both shapes) and the trusted-destination check for tokens."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pyazcopy.auth.trust import check_token_destination, is_trusted
from pyazcopy.endpoints.locations import parse_location
from pyazcopy.errors import UntrustedEndpointError, UsageError
from pyazcopy.settings import Settings

SETTINGS = Settings(config_dir=Path("/nonexistent"))


def test_account_style_url():
    location = parse_location("https://acct.blob.core.windows.net/container/dir/file.txt")
    assert (location.account, location.container, location.path, location.path_style) == ("acct", "container", "dir/file.txt", False)
    assert location.account_url == "https://acct.blob.core.windows.net"


def test_path_style_url_and_sas_is_redacted():
    location = parse_location("https://127.0.0.1:10000/devstoreaccount1/c/p/?sv=2020&sig=SECRETSIG")
    assert (location.account, location.container, location.path, location.path_style) == ("devstoreaccount1", "c", "p/", True)
    assert location.account_url == "https://127.0.0.1:10000/devstoreaccount1"
    assert "SECRETSIG" not in location.redacted and "SECRETSIG" not in repr(location)
    assert location.sas.endswith("sig=SECRETSIG")


def test_dfs_service_and_account_level():
    location = parse_location("https://acct.dfs.core.windows.net")
    assert location.service == "dfs" and location.container == ""


@pytest.mark.parametrize("url", ["/local/path", "ftp://x/y", "https://127.0.0.1:1/"])
def test_not_a_storage_url(url):
    with pytest.raises(UsageError):
        parse_location(url)


@pytest.mark.parametrize("host", ["acct.blob.core.windows.net", "acct.blob.core.chinacloudapi.cn", "acct.blob.core.usgovcloudapi.net", "x.blob.storage.azure.net"])
def test_azure_suffixes_are_trusted(host):
    assert is_trusted(parse_location(f"https://{host}/c"), SETTINGS)


def test_lookalike_and_plain_http_are_not_trusted():
    assert not is_trusted(parse_location("https://core.windows.net.evil.example/c"), SETTINGS)
    assert not is_trusted(parse_location("https://evilcore.windows.net/c"), SETTINGS)
    assert not is_trusted(parse_location("http://acct.blob.core.windows.net/c"), SETTINGS)


def test_loopback_needs_its_exact_origin():
    location = parse_location("https://127.0.0.1:10000/devstoreaccount1/c")
    with pytest.raises(UntrustedEndpointError) as raised:
        check_token_destination(location, SETTINGS)
    assert "PYAZCOPY_TRUSTED_ENDPOINTS=https://127.0.0.1:10000" in str(raised.value)
    assert is_trusted(location, dataclasses.replace(SETTINGS, trusted_endpoints=("https://127.0.0.1:10000",)))
    assert not is_trusted(location, dataclasses.replace(SETTINGS, trusted_endpoints=("https://127.0.0.1:10001",)))
    assert not is_trusted(location, dataclasses.replace(SETTINGS, trusted_endpoints=("http://127.0.0.1:10000",)))


def test_extra_suffix_flag():
    location = parse_location("https://acct.blob.example.azurestack.local/c")
    assert not is_trusted(location, SETTINGS)
    assert is_trusted(location, dataclasses.replace(SETTINGS, trusted_suffixes=("*.azurestack.local",)))
