"""Conformance: listings in name order (awkward names included), stat, and ranges — for every endpoint kind."""

from __future__ import annotations

import random
import time

import pytest

from pyazcopy.endpoints.protocol import Endpoint, EntityType, Features
from support import put, read_all

# '-' (0x2d) sorts before '/' (0x2f), which sorts before '0' (0x30): a walk that visits a folder before its
# siblings that share its name's start would list "dir/..." before "dir-1/x", out of order
AWKWARD_NAMES = ["dir-1/x", "dir/a b.txt", "dir/sub/deep%41.bin", "dir/sub/z", "dir0", "100% sure.txt", "naïve café.txt",
                 "日本/語.bin", "spaces  in/the middle ", "~tilde+plus=equals"]


def test_an_endpoint_follows_the_protocol(endpoint):
    assert isinstance(endpoint, Endpoint)
    assert isinstance(endpoint.features, Features)
    with pytest.raises(AttributeError):
        endpoint.features.metadata = True  # frozen: the engine may share it freely
    assert "sig=" not in endpoint.display


def test_listing_is_in_code_point_order_of_names(endpoint):
    for index, name in enumerate(AWKWARD_NAMES):
        put(endpoint, name, name.encode("utf-8") * (index + 1))
    listed = list(endpoint.list())
    assert [entry.name for entry in listed] == sorted(AWKWARD_NAMES)
    sizes = {entry.name: entry.size for entry in listed}
    assert sizes == {name: len(name.encode("utf-8")) * (index + 1) for index, name in enumerate(AWKWARD_NAMES)}
    assert all(entry.entity_type is EntityType.FILE for entry in listed)
    assert [entry.name for entry in endpoint.list("dir/")] == ["dir/a b.txt", "dir/sub/deep%41.bin", "dir/sub/z"]
    assert [entry.name for entry in endpoint.list("dir")] == ["dir-1/x", "dir/a b.txt", "dir/sub/deep%41.bin", "dir/sub/z", "dir0"]
    assert [entry.name for entry in endpoint.list("日本/")] == ["日本/語.bin"]
    assert list(endpoint.list("nothing-here/")) == []


def test_an_empty_location_lists_nothing(endpoint):
    assert list(endpoint.list()) == []


def test_stat_names_size_and_time(endpoint):
    before = time.time()
    put(endpoint, "folder/one file.bin", b"0123456789")
    entry = endpoint.stat("folder/one file.bin")
    assert entry is not None and entry.name == "folder/one file.bin" and entry.size == 10
    assert before - 120 <= entry.last_modified <= time.time() + 120  # the service's clock, to the second
    assert endpoint.stat("folder/no such file") is None
    assert endpoint.stat("no such folder/file") is None
    listed = next(iter(endpoint.list()))
    assert (listed.name, listed.size) == (entry.name, entry.size)


@pytest.mark.parametrize("pieces", [1, 3])
def test_ranges_at_odd_offsets_of_a_multi_block_object(endpoint, pieces):
    data = random.Random(7).randbytes(3 * 65536 + 12345)
    put(endpoint, "multi/block.bin", data, pieces=pieces)
    for offset, length in [(0, 1), (1, 7), (65535, 3), (65536 + 1, 65536 - 1), (len(data) - 1, 1), (12345, len(data) - 12345), (0, len(data))]:
        buffer = bytearray(length)
        assert endpoint.read_into("multi/block.bin", offset, memoryview(buffer)) == length
        assert bytes(buffer) == data[offset:offset + length], (offset, length)
    assert read_all(endpoint, "multi/block.bin") == data


def test_an_empty_object_is_listed_stated_and_read(endpoint):
    put(endpoint, "empty", b"")
    entry = endpoint.stat("empty")
    assert entry is not None and entry.size == 0
    assert [(e.name, e.size) for e in endpoint.list()] == [("empty", 0)]
    assert endpoint.read_into("empty", 0, memoryview(bytearray(0))) == 0
