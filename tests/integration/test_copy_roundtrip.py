"""copy local <-> Blob through the RBAC gateway with a SAS: byte-for-byte round trips, naming, filters, overwrite modes,
MD5 checks and blob names that would escape the destination."""

from __future__ import annotations

import base64
import hashlib
import os
import time
from pathlib import Path

import pytest
from copy_support import CountingProxy, account_path, engine_settings, origin, sas_url, tree_digest, write_tree

from pyazcopy.engine.events import DryRunItem, TransferFinished, Warning_
from pyazcopy.engine.filters import FilterOptions
from pyazcopy.engine.job import run_copy
from pyazcopy.engine.options import CopyOptions

TRICKY = {
    "empty.txt": b"",
    "nested/a/b/c/deep.bin": os.urandom(3000),
    "with space/file name.txt": b"spaces",
    "unicode/ünïcødé-文件.txt": "unicode ✓".encode(),
    "percent/100%25 done %.txt": b"percent",
    "multi/blocks.bin": os.urandom(5 * 1024 * 1024 + 123),
}


def blob_names(localazure, container: str) -> list[str]:
    return sorted(b.name for b in localazure.shared_key_service().get_container_client(container).list_blobs())


def copy(tmp_path, source, destination, **options):
    events = []
    summary = run_copy(CopyOptions(source=str(source), destination=str(destination), **options), engine_settings(tmp_path),
                       subscribers=[events.append])
    return summary, events


def test_tree_round_trip_is_byte_for_byte(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", TRICKY)
    up, events = copy(tmp_path, src, sas_url(localazure.blob_url, container), recursive=True, block_size_mb=1)
    assert up.status == "Completed", up.failed_transfers
    assert (up.total_transfers, up.completed, up.failed, up.skipped) == (len(TRICKY), len(TRICKY), 0, 0)
    assert up.bytes_transferred == sum(len(v) for v in TRICKY.values())
    assert blob_names(localazure, container) == sorted(f"src/{name}" for name in TRICKY)
    assert sum(isinstance(e, TransferFinished) and e.status == "Success" for e in events) == len(TRICKY)

    down, _ = copy(tmp_path, sas_url(localazure.blob_url, container, "src"), tmp_path / "out", recursive=True)
    assert down.status == "Completed", down.failed_transfers
    assert tree_digest(tmp_path / "out" / "src") == tree_digest(src)
    props = localazure.shared_key_service().get_blob_client(container, "src/unicode/ünïcødé-文件.txt").get_blob_properties()
    assert props.content_settings.content_type == "text/plain"


def test_single_files_wildcards_and_as_subdir(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"one.txt": b"1", "d/two.txt": b"22", "d/e/three.txt": b"333"})
    base = localazure.blob_url
    assert copy(tmp_path, src / "one.txt", sas_url(base, container))[0].completed == 1
    assert copy(tmp_path, src / "one.txt", sas_url(base, container, "dir/"))[0].completed == 1
    assert copy(tmp_path, src / "one.txt", sas_url(base, container, "renamed.txt"))[0].completed == 1
    assert copy(tmp_path, f"{src}/d/*", sas_url(base, container, "wild"))[0].completed == 1  # not recursive: files only
    assert copy(tmp_path, f"{src}/d", sas_url(base, container, "flat"), recursive=True, as_subdir=False)[0].completed == 2
    assert blob_names(localazure, container) == sorted(
        ["one.txt", "dir/one.txt", "renamed.txt", "wild/two.txt", "flat/two.txt", "flat/e/three.txt"])
    out = tmp_path / "out"
    out.mkdir()
    assert copy(tmp_path, sas_url(base, container, "renamed.txt"), out)[0].completed == 1
    assert copy(tmp_path, sas_url(base, container, "renamed.txt"), out / "chosen.txt")[0].completed == 1
    assert copy(tmp_path, sas_url(base, container, "flat/*"), out / "w", recursive=True)[0].completed == 2
    assert tree_digest(out) == tree_digest(write_tree(tmp_path / "expect", {
        "renamed.txt": b"1", "chosen.txt": b"1", "w/two.txt": b"22", "w/e/three.txt": b"333"}))


def test_filters_choose_what_is_copied(localazure, container, tmp_path):
    old = time.time() - 10 * 86400
    files = {"a.txt": b"a", "b.log": b"b", "keep/c.txt": b"c", "skip/d.txt": b"d", "skip2/e.txt": b"e", "x/report.csv": b"f"}
    src = write_tree(tmp_path / "src", files)
    os.utime(src / "b.log", (old, old))

    def uploaded(prefix: str, **filters) -> list[str]:
        summary, _ = copy(tmp_path, src, sas_url(localazure.blob_url, container, prefix), recursive=True, as_subdir=False,
                          filters=FilterOptions(**filters))
        assert summary.status == "Completed"
        return sorted(name[len(prefix) + 1:] for name in blob_names(localazure, container) if name.startswith(prefix + "/"))

    assert uploaded("p1", include_pattern="*.txt;*.csv") == ["a.txt", "keep/c.txt", "skip/d.txt", "skip2/e.txt", "x/report.csv"]
    assert uploaded("p2", exclude_pattern="*.txt") == ["b.log", "x/report.csv"]
    assert uploaded("p3", include_path="keep;x/report.csv") == ["keep/c.txt", "x/report.csv"]
    assert uploaded("p4", exclude_path="skip") == ["a.txt", "b.log", "keep/c.txt", "x/report.csv"]  # AzCopy: a prefix
    assert uploaded("p5", include_regex=r"^x/.*\.csv$") == ["x/report.csv"]
    assert uploaded("p6", exclude_regex=r"\.txt$") == ["b.log", "x/report.csv"]
    cutoff = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400))
    assert uploaded("p7", include_before=cutoff) == ["b.log"]
    assert "b.log" not in uploaded("p8", include_after=cutoff)
    # download side: filters see blob paths relative to the source
    down, _ = copy(tmp_path, sas_url(localazure.blob_url, container, "p1"), tmp_path / "out", recursive=True,
                   filters=FilterOptions(include_pattern="*.csv"))
    assert down.completed == 1 and (tmp_path / "out" / "p1" / "x" / "report.csv").read_bytes() == b"f"
    assert [p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()] == ["p1/x/report.csv"]


def test_overwrite_modes(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"f.txt": b"new", "g.bin": os.urandom(3 * 1024 * 1024)})
    past = time.time() - 100  # Last-Modified has whole seconds: keep the files clearly older than the blobs
    for name in ("f.txt", "g.bin"):
        os.utime(src / name, (past, past))
    service = localazure.shared_key_service().get_container_client(container)
    service.upload_blob("f.txt", b"old")
    service.upload_blob("g.bin", b"old")
    url = sas_url(localazure.blob_url, container)
    s, events = copy(tmp_path, src, url, recursive=True, as_subdir=False, overwrite="false", block_size_mb=1)
    assert (s.skipped, s.completed, s.status) == (2, 0, "CompletedWithSkipped")
    assert service.download_blob("f.txt").readall() == b"old"
    # ifSourceNewer: the blobs were written after the files, so nothing is replaced; touch one file into the future
    s, _ = copy(tmp_path, src, url, recursive=True, as_subdir=False, overwrite="ifSourceNewer", block_size_mb=1)
    assert s.skipped == 2
    future = time.time() + 3600
    os.utime(src / "f.txt", (future, future))
    s, _ = copy(tmp_path, src, url, recursive=True, as_subdir=False, overwrite="ifSourceNewer", block_size_mb=1)
    assert (s.completed, s.skipped) == (1, 1) and service.download_blob("f.txt").readall() == b"new"
    asked = []
    s = run_copy(CopyOptions(str(src), url, recursive=True, as_subdir=False, overwrite="prompt", block_size_mb=1), engine_settings(tmp_path),
                 prompt=lambda path: asked.append(path) or ("yes" if path.endswith("g.bin") else "no"))
    assert len(asked) == 2 and (s.completed, s.skipped) == (1, 1)
    assert service.download_blob("g.bin").readall() == (src / "g.bin").read_bytes()
    s, _ = copy(tmp_path, src, url, recursive=True, as_subdir=False)
    assert s.completed == 2
    # downloads: an existing local file is kept with overwrite=false, replaced with true
    out = write_tree(tmp_path / "out", {"f.txt": b"local"})
    s, _ = copy(tmp_path, sas_url(localazure.blob_url, container, "f.txt"), out, overwrite="false")
    assert s.skipped == 1 and (out / "f.txt").read_bytes() == b"local"
    s, _ = copy(tmp_path, sas_url(localazure.blob_url, container, "f.txt"), out)
    assert s.completed == 1 and (out / "f.txt").read_bytes() == b"new"


def test_put_md5_and_check_md5_catch_a_blob_changed_behind_its_back(localazure, container, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 7)
    src = write_tree(tmp_path / "src", {"small.txt": b"hello md5", "large.bin": data})
    url = sas_url(localazure.blob_url, container)
    assert copy(tmp_path, src, url, recursive=True, as_subdir=False, put_md5=True, block_size_mb=1)[0].completed == 2
    blobs = localazure.shared_key_service().get_container_client(container)
    for name, content in (("small.txt", b"hello md5"), ("large.bin", data)):
        assert bytes(blobs.get_blob_client(name).get_blob_properties().content_settings.content_md5) == hashlib.md5(content).digest()
    ok, _ = copy(tmp_path, url, tmp_path / "ok", recursive=True, check_md5="FailIfDifferentOrMissing")
    assert ok.completed == 2
    # change the content but keep the recorded Content-MD5
    for name in ("small.txt", "large.bin"):
        client = blobs.get_blob_client(name)
        settings = client.get_blob_properties().content_settings
        client.upload_blob(b"tampered!" * 1000, overwrite=True)
        client.set_http_headers(settings)
    bad, events = copy(tmp_path, url, tmp_path / "bad", recursive=True, block_size_mb=1)
    assert (bad.failed, bad.completed, bad.status) == (2, 0, "Failed")
    assert all("MD5" in f.error for f in bad.failed_transfers)
    assert not [p for p in (tmp_path / "bad").rglob("*") if p.is_file()]  # nothing under any name, no partial file
    logged, events = copy(tmp_path, url, tmp_path / "logonly", recursive=True, check_md5="LogOnly")
    assert logged.completed == 2 and any(isinstance(e, Warning_) and "MD5" in e.message for e in events)
    assert copy(tmp_path, url, tmp_path / "nocheck", recursive=True, check_md5="NoCheck")[0].completed == 2
    blobs.upload_blob("nomd5.txt", b"x")  # the SDK stores an MD5 for single-shot uploads: remove it
    blobs.get_blob_client("nomd5.txt").set_http_headers(content_settings=None)
    missing, _ = copy(tmp_path, sas_url(localazure.blob_url, container, "nomd5.txt"), tmp_path / "m.txt", check_md5="FailIfDifferentOrMissing")
    assert missing.failed == 1 and not (tmp_path / "m.txt").exists()


def test_blob_names_that_would_escape_the_destination_are_refused(localazure, container, tmp_path):
    blobs = localazure.shared_key_service().get_container_client(container)
    for name in ("d/evil1.txt", "d/evil2.txt", "d/evil3.txt", "d/fine.txt"):
        blobs.upload_blob(name, b"payload")
    # Azurite refuses such names, so a proxy makes the listing say what a hostile account could hold
    proxy = CountingProxy(origin(localazure.blob_url), localazure.ca_bundle,
                          listing_rewrites={"d/evil1.txt": "d/../../evil1.txt", "d/evil2.txt": "d/..\\evil2.txt", "d/evil3.txt": "d//abs.txt"}).start()
    try:
        url = sas_url(proxy.url + account_path(localazure.blob_url), container, "d")
        out = tmp_path / "deep" / "out"
        summary, events = copy(tmp_path, url, out, recursive=True)
    finally:
        proxy.stop()
    assert (summary.completed, summary.failed) == (1, 3), summary.failed_transfers
    assert all(any(w in f.error for w in ("escape", "backslash", "absolute")) for f in summary.failed_transfers)
    assert [p.name for p in tmp_path.rglob("evil*")] == []
    assert (out / "d" / "fine.txt").read_bytes() == b"payload"


def test_dry_run_plans_without_transferring(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"a.txt": b"a", "b/c.txt": b"c"})
    summary, events = copy(tmp_path, src, sas_url(localazure.blob_url, container), recursive=True, dry_run=True)
    items = [e for e in events if isinstance(e, DryRunItem)]
    assert summary.dry_run and summary.total_transfers == 2 and len(items) == 2
    assert sorted(i.destination.rsplit("/", 2)[-1] for i in items) == ["a.txt", "c.txt"]
    assert all("sig=" not in i.destination for i in items)
    assert blob_names(localazure, container) == []
    assert not (tmp_path / "plans").exists() or not list((tmp_path / "plans").iterdir())


def test_page_and_append_blobs_and_content_headers(localazure, container, tmp_path):
    src = write_tree(tmp_path / "src", {"disk.vhd": os.urandom(512 * 9000), "log.txt": os.urandom(5 * 1024 * 1024 + 1)})
    url = sas_url(localazure.blob_url, container)
    up, _ = copy(tmp_path, src / "disk.vhd", url, put_md5=True)  # Detect: .vhd goes up as a Page Blob
    assert up.completed == 1, up.failed_transfers
    up, _ = copy(tmp_path, src / "log.txt", url, blob_type="AppendBlob", metadata="team=data;kind=log", content_type="text/x-log",
                 cache_control="no-cache", content_disposition="inline")
    assert up.completed == 1, up.failed_transfers
    service = localazure.shared_key_service().get_container_client(container)
    vhd = service.get_blob_client("disk.vhd").get_blob_properties()
    log = service.get_blob_client("log.txt").get_blob_properties()
    assert str(vhd.blob_type.value if hasattr(vhd.blob_type, "value") else vhd.blob_type) == "PageBlob"
    assert bytes(vhd.content_settings.content_md5) == hashlib.md5((src / "disk.vhd").read_bytes()).digest()
    assert "APPEND" in str(log.blob_type).upper() and log.metadata == {"team": "data", "kind": "log"}
    assert (log.content_settings.content_type, log.content_settings.cache_control, log.content_settings.content_disposition) == (
        "text/x-log", "no-cache", "inline")
    odd = write_tree(tmp_path / "odd", {"odd.vhd": b"123"})
    bad, _ = copy(tmp_path, odd / "odd.vhd", url)
    assert bad.failed == 1 and "512" in bad.failed_transfers[0].error
    down, _ = copy(tmp_path, url, tmp_path / "out", recursive=True, check_md5="FailIfDifferent")
    assert down.completed == 2
    assert tree_digest(tmp_path / "out" / container) == tree_digest(src)


def test_a_blob_changed_while_downloading_is_not_saved(localazure, container, tmp_path):
    from copy_support import engine_settings as settings_for

    from pyazcopy.engine.events import JobProgress

    blobs = localazure.shared_key_service().get_container_client(container)
    blobs.upload_blob("moving.bin", os.urandom(12 * 1024 * 1024))
    replaced = []

    def replace_once(event) -> None:
        if isinstance(event, JobProgress) and not replaced:
            replaced.append(True)
            blobs.upload_blob("moving.bin", os.urandom(12 * 1024 * 1024), overwrite=True)

    summary = run_copy(CopyOptions(sas_url(localazure.blob_url, container, "moving.bin"), str(tmp_path / "m.bin"), block_size_mb=1,
                                   cap_mbps=16), settings_for(tmp_path, concurrency=2, progress_interval=0.05), subscribers=[replace_once])
    assert replaced and summary.failed == 1 and "changed" in summary.failed_transfers[0].error
    assert not (tmp_path / "m.bin").exists()
