"""Conformance: writers commit atomically, and one that aborts or dies leaves nothing under the final name; delete;
properties and metadata round trips — for every endpoint kind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pyazcopy.endpoints.protocol import Properties, UnsupportedOperation
from support import put, read_all

HERE = Path(__file__).parent


def test_an_aborted_writer_leaves_nothing(endpoint):
    writer = endpoint.open_writer("aborted/file.bin", 10)
    writer.write_at(0, b"01234")
    writer.abort()
    assert endpoint.stat("aborted/file.bin") is None
    assert [entry.name for entry in endpoint.list()] == []


def test_an_aborted_writer_leaves_the_old_object_whole(endpoint):
    put(endpoint, "kept.txt", b"the old bytes")
    writer = endpoint.open_writer("kept.txt", 5)
    writer.write_at(0, b"new!!")
    writer.abort()
    assert read_all(endpoint, "kept.txt") == b"the old bytes"
    assert [entry.name for entry in endpoint.list()] == ["kept.txt"]


def test_a_writer_killed_mid_object_leaves_nothing_under_the_final_name(endpoint, location, child_env):
    child = subprocess.Popen([sys.executable, str(HERE / "writer_child.py"), location["text"], "killed/file.bin"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env, cwd=HERE, text=True)
    try:
        line = child.stdout.readline()  # the child has written its first range
        assert line.strip() == "written", child.stderr.read() if child.poll() is not None else line
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(60)
        child.stdout.close()
        child.stderr.close()
    assert endpoint.stat("killed/file.bin") is None
    assert "killed/file.bin" not in [entry.name for entry in endpoint.list()]


def test_commit_is_atomic(endpoint):
    put(endpoint, "atomic.bin", b"old" * 1000)
    new = os.urandom(70000)
    writer = endpoint.open_writer("atomic.bin", len(new))
    writer.write_at(40000, memoryview(new)[40000:])
    writer.write_at(0, memoryview(new)[:40000])
    assert read_all(endpoint, "atomic.bin") == b"old" * 1000  # everything written, nothing committed: the old object
    writer.commit()
    assert read_all(endpoint, "atomic.bin") == new
    assert [(entry.name, entry.size) for entry in endpoint.list()] == [("atomic.bin", len(new))]


def test_a_commit_with_a_range_missing_is_refused_and_changes_nothing(endpoint):
    put(endpoint, "gap.bin", b"before")
    writer = endpoint.open_writer("gap.bin", 30)
    writer.write_at(0, b"0123456789")
    writer.write_at(20, b"0123456789")
    with pytest.raises(Exception, match="10 of 30 bytes|of 30 bytes"):
        writer.commit()
    writer.abort()
    assert read_all(endpoint, "gap.bin") == b"before"


def test_delete(endpoint):
    put(endpoint, "gone/soon.txt", b"x")
    put(endpoint, "gone/stays.txt", b"y")
    assert endpoint.delete("gone/soon.txt") is True
    assert endpoint.stat("gone/soon.txt") is None
    assert endpoint.delete("gone/soon.txt") is False
    assert [entry.name for entry in endpoint.list()] == ["gone/stays.txt"]


HEADERS = Properties(content_type="text/plain; charset=utf-8", content_encoding="identity", content_language="fr-CA",
                     content_disposition='attachment; filename="n.txt"', cache_control="no-cache", content_md5=b"\x01" * 16,
                     metadata=(("colour", "blue"), ("owner", "ada")))


def test_content_headers_and_metadata_round_trip(endpoint):
    if not endpoint.features.content_headers or not endpoint.features.metadata:
        with pytest.raises(UnsupportedOperation, match="leave them out"):
            endpoint.open_writer("headers.txt", 1, HEADERS)
        put(endpoint, "headers.txt", b"h")
        with pytest.raises(UnsupportedOperation, match="leave them out"):
            endpoint.set_properties("headers.txt", Properties(metadata=(("colour", "red"),)))
        return
    put(endpoint, "headers.txt", b"h", properties=HEADERS)
    entry = endpoint.stat("headers.txt")
    assert entry.properties == HEADERS and entry.content_md5 == HEADERS.content_md5
    changed = Properties(content_type="application/json", metadata=(("colour", "red"),))
    endpoint.set_properties("headers.txt", changed)
    entry = endpoint.stat("headers.txt")
    assert entry.properties == changed  # set replaces: what is not given is gone
    assert read_all(endpoint, "headers.txt") == b"h"


def test_modified_time_round_trips_where_the_endpoint_keeps_it(endpoint):
    put(endpoint, "timed.txt", b"t")
    if not endpoint.features.modified_time:
        with pytest.raises(UnsupportedOperation, match="last-modified"):
            endpoint.set_properties("timed.txt", Properties(last_modified=1_000_000_000.0))
        return
    endpoint.set_properties("timed.txt", Properties(last_modified=1_000_000_000.0))
    assert endpoint.stat("timed.txt").last_modified == 1_000_000_000.0
    writer = endpoint.open_writer("timed2.txt", 1, Properties(last_modified=1_234_567_890.0))
    writer.write_at(0, b"u")
    writer.commit()
    assert endpoint.stat("timed2.txt").last_modified == 1_234_567_890.0
