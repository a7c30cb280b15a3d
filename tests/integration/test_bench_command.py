"""`pyazcopy bench URL` (AzCopy's benchmark) against localazure, in-process, with small sizes: upload and download
modes, folders, keeping or deleting the test data, JSON output, the concurrency reported, bad flags. Nothing here is
timed (throughput figures live in bench/ and docs/PERFORMANCE.md)."""

from __future__ import annotations

import json

from copy_support import sas_url
from test_copy_cli import SPN_APP, SPN_SECRET, env_for, run


def blobs(localazure, container: str) -> dict[str, int]:
    client = localazure.shared_key_service().get_container_client(container)
    return {b.name: b.size for b in client.list_blobs()}


def test_upload_benchmark_reports_throughput_and_concurrency_and_deletes_its_data(localazure, container, tmp_path):
    env = env_for(localazure, tmp_path / "home", AZCOPY_CONCURRENCY_VALUE="6")
    result = run(["bench", sas_url(localazure.blob_url, container), "--file-count", "7", "--size-per-file", "48k",
                  "--number-of-folders", "3"], env)
    assert result.code == 0, result.out
    for line in ("Number of File Transfers: 7", "Final Job Status: Completed", "Performance benchmark results:", "Mode: Upload",
                 f"Files: 7 of {48 * 1024} bytes", "Throughput (Mb/s): ", "Concurrency: 6 connections (AZCOPY_CONCURRENCY_VALUE=6)",
                 "Test data: deleted"):
        assert line in result.out
    assert blobs(localazure, container) == {}


def test_keep_test_data_in_folders_then_download_benchmark(localazure, container, tmp_path):
    env = env_for(localazure, tmp_path / "home")
    env.pop("AZCOPY_CONCURRENCY_VALUE")
    kept = run(["bench", sas_url(localazure.blob_url, container), "--file-count=4", "--size-per-file=1M", "--number-of-folders=2",
                "--delete-test-data=false", "--put-md5"], env)
    assert kept.code == 0, kept.out
    assert "AZCOPY_CONCURRENCY_VALUE not set" in kept.out and "kept under pyazcopy-bench-" in kept.out
    names = blobs(localazure, container)
    assert len(names) == 4 and set(names.values()) == {1024 * 1024}
    assert {name.split("/")[1] for name in names} == {"folder00000", "folder00001"}

    down = run(["bench", sas_url(localazure.blob_url, container), "--mode", "download", "--file-count", "3", "--size-per-file", "200k",
                "--output-type", "json"], env)
    assert down.code == 0, down.out
    messages = down.json_lines()
    result = json.loads(next(m for m in messages if m["MessageType"] == "BenchmarkResult")["MessageContent"])
    assert result["Mode"] == "Download" and result["FileCount"] == 3 and result["TotalBytes"] == 3 * 200 * 1024
    assert result["JobStatus"] == "Completed" and result["TestDataDeleted"] is True and result["Concurrency"] >= 1
    assert result["ThroughputMbps"] > 0
    assert blobs(localazure, container) == names  # only the download benchmark's own data was deleted


def test_bench_with_a_signed_in_identity(localazure, container, tmp_path):
    env = env_for(localazure, tmp_path / "home", AZCOPY_AUTO_LOGIN_TYPE="SPN", AZCOPY_SPA_APPLICATION_ID=SPN_APP,
                  AZCOPY_SPA_CLIENT_SECRET=SPN_SECRET, AZCOPY_TENANT_ID=localazure.tenant_id)
    result = run(["bench", f"{localazure.blob_url}/{container}", "--file-count", "2", "--size-per-file", "0"], env)
    assert result.code == 0, result.out
    assert "Number of File Transfers Completed: 2" in result.out and "Test data: deleted" in result.out
    assert blobs(localazure, container) == {}


def test_bad_bench_flags_say_what_to_write(localazure, container, tmp_path):
    env = env_for(localazure, tmp_path / "home")
    url = sas_url(localazure.blob_url, container)
    mode = run(["bench", url, "--mode", "sideways"], env)
    assert mode.code == 1 and "valid values are Upload, Download" in mode.out
    size = run(["bench", url, "--size-per-file", "12x"], env)
    assert size.code == 1 and "followed by K, M or G" in size.out
    path = run(["bench", sas_url(localazure.blob_url, container, "some/dir"), "--file-count", "1"], env)
    assert path.code == 1 and "needs a container URL" in path.out
    assert blobs(localazure, container) == {}
