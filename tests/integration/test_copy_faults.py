"""A server that answers 503 or drops the connection for 20% of requests: the copy retries and completes correctly."""

from __future__ import annotations

import os

from copy_support import CountingProxy, account_path, big_file, engine_settings, origin, sas_url, tree_digest, write_tree

from pyazcopy.engine.events import Retrying
from pyazcopy.engine.job import run_copy
from pyazcopy.engine.options import CopyOptions
from pyazcopy.endpoints.retry import RetryPolicy


def test_twenty_percent_faults_up_and_down(localazure, container, tmp_path):
    files = {f"dir{i % 4}/file{i}.bin": os.urandom(1000 + i * 37) for i in range(60)}
    src = write_tree(tmp_path / "src", files)
    big_file(src / "large" / "big.bin", 6 * 1024 * 1024 + 333)
    proxy = CountingProxy(origin(localazure.blob_url), localazure.ca_bundle, fault_rate=0.2, seed=11).start()
    try:
        url = sas_url(proxy.url + account_path(localazure.blob_url), container)
        events = []
        up = run_copy(CopyOptions(str(src), url, recursive=True, block_size_mb=1, put_md5=True), engine_settings(tmp_path),
                      subscribers=[events.append])
        assert up.status == "Completed", up.failed_transfers
        faults_up = [r for r in proxy.requests if r.status in (503, -1)]
        answered_503_up = [r for r in faults_up if r.status == 503]
        down = run_copy(CopyOptions(url.replace(f"/{container}?", f"/{container}/src?"), str(tmp_path / "out"), recursive=True, block_size_mb=1),
                        engine_settings(tmp_path), subscribers=[events.append])
        assert down.status == "Completed", down.failed_transfers
    finally:
        proxy.stop()
    # every 503 goes through the engine's retry (a Retrying event); a connection dropped without an answer on a
    # kept-alive connection may instead be re-sent at once by the transport, as urllib3 does for a stale connection
    assert len(faults_up) >= 5 and sum(isinstance(e, Retrying) for e in events) >= len(answered_503_up) >= 1
    assert tree_digest(tmp_path / "out" / "src") == tree_digest(src)  # no .azDownload leftovers either


def test_a_server_that_keeps_failing_is_retried_then_reported(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"a.txt": b"a"})
    proxy = CountingProxy(origin(localazure.blob_url), localazure.ca_bundle, fault_rate=1.0, fault_kinds="503").start()
    try:
        url = sas_url(proxy.url + account_path(localazure.blob_url), container)
        summary = run_copy(CopyOptions(str(src / "a.txt"), url), engine_settings(tmp_path, retry=RetryPolicy(max_tries=4, initial_delay=0.01)))
    finally:
        proxy.stop()
    assert summary.status == "Failed" and summary.failed == 1
    assert len([r for r in proxy.requests if r.path.endswith("/a.txt")]) == 4
    assert "retried" in summary.failed_transfers[0].error or "503" in summary.failed_transfers[0].error
