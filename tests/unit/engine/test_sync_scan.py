"""SyncScan over two real local directories: counters, scan progress on an injected clock, and deletions that are
released only after a complete, clean comparison."""

from __future__ import annotations

import os

import pytest

from pyazcopy.endpoints.local_endpoint import LocalEndpoint
from pyazcopy.engine.sync_compare import ActionKind, CompareOptions
from pyazcopy.engine.sync_scan import SyncScan, SyncScanError


def _dir(root, files: dict[str, bytes], mtime: float):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (mtime, mtime))
    return LocalEndpoint(str(root))


def test_counts_copies_and_releases_deletions_only_at_the_end(tmp_path):
    source = _dir(tmp_path / "s", {"a": b"1", "b/c": b"22", "new": b"n"}, 2000.0)
    destination = _dir(tmp_path / "d", {"a": b"1", "b/c": b"2", "b-x": b"x", "z/y": b"y"}, 1000.0)
    ticks = iter(range(100))
    seen = []
    scan = SyncScan(source, destination, CompareOptions(deletions=True), tmp_path / "spool", progress=seen.append,
                    interval=1.0, clock=lambda: next(ticks))
    copies = scan.copies()
    first = next(copies)
    with pytest.raises(SyncScanError, match="before both listings were compared to the end; nothing was deleted"):
        scan.deletions()
    rest = list(copies)
    assert [(a.kind, a.name) for a in [first, *rest]] == [(ActionKind.OVERWRITE, "a"), (ActionKind.OVERWRITE, "b/c"),
                                                          (ActionKind.NEW, "new")]
    assert [extra.name for extra in scan.deletions()] == ["b-x", "z/y"]
    tally = scan.tally
    assert (tally.source_scanned, tally.destination_scanned, tally.new, tally.overwrite, tally.deletions) == (3, 4, 1, 2, 2)
    assert seen and (seen[-1].source_scanned, seen[-1].destination_scanned) == (3, 4)
    spool = scan.spool.path
    scan.close()
    assert not os.path.exists(spool)


def test_a_failing_listing_leaves_no_deletions(tmp_path):
    source = _dir(tmp_path / "s", {"a": b"1"}, 2000.0)
    destination = _dir(tmp_path / "d", {"extra": b"x"}, 1000.0)

    def broken(prefix=""):
        yield from LocalEndpoint.list(source, prefix)
        raise OSError(5, "Input/output error")

    source.list = broken
    scan = SyncScan(source, destination, CompareOptions(deletions=True), tmp_path / "spool")
    with pytest.raises(SyncScanError, match="listing the source .* failed, so nothing was deleted"):
        list(scan.copies())
    with pytest.raises(SyncScanError):
        scan.deletions()
    scan.close()
