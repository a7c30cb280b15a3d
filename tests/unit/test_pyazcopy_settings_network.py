"""The CA bundle and proxy variables are read by settings (cli's side), never by the data path."""

from __future__ import annotations

from pathlib import Path

from pyazcopy.endpoints.blob_transfer import BlobTransferClient, parse_blob_url
from pyazcopy.engine.options import EngineSettings
from pyazcopy.settings import Settings, ca_bundle_from, proxies_from


def test_ca_bundle_in_the_order_requests_and_openssl_honour():
    assert ca_bundle_from({"SSL_CERT_FILE": "/c", "CURL_CA_BUNDLE": "/b", "REQUESTS_CA_BUNDLE": "/a"}) == "/a"
    assert ca_bundle_from({"SSL_CERT_FILE": "/c", "CURL_CA_BUNDLE": " "}) == "/c"
    assert ca_bundle_from({}) == ""


def test_proxies_lower_case_wins_and_other_variables_are_ignored():
    env = {"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2", "NO_PROXY": "localhost", "PATH": "/bin",
           "HTTP_PROXY": "", "REQUEST_METHOD_PROXY": "x"}
    assert dict(proxies_from(env)) == {"https": "http://lower:2", "no": "localhost"}


def test_settings_carry_them(tmp_path: Path):
    env = {"HOME": str(tmp_path), "REQUESTS_CA_BUNDLE": "/ca.pem", "HTTPS_PROXY": "http://p:3128"}
    assert Settings.from_environment(env).ca_bundle == "/ca.pem"
    engine = EngineSettings.from_environment(env)
    assert engine.connection_verify == "/ca.pem" and dict(engine.proxies) == {"https": "http://p:3128"}
    assert EngineSettings.from_environment({"HOME": str(tmp_path)}).connection_verify is True


def test_the_data_path_uses_the_proxy_it_is_given_and_honours_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://from-the-process-environment:1")  # must be ignored: only cli reads it
    url = parse_blob_url("https://acct.blob.core.windows.net/c/p")
    direct = BlobTransferClient(url)
    assert direct._proxy == "" and direct._lean is not None
    proxied = BlobTransferClient(url, proxies=(("https", "http://p:3128"),))
    assert proxied._proxy == "http://p:3128" and proxied._lean is None
    bypassed = BlobTransferClient(url, proxies=(("https", "http://p:3128"), ("no", ".core.windows.net")))
    assert bypassed._proxy == "" and bypassed._lean is not None
    for client in (direct, proxied, bypassed):
        client.close()
