"""Local enumeration streams; blob names that would escape the destination are refused."""

from __future__ import annotations

import mmap
import os

import pytest

from pyazcopy.endpoints.local import (
    DIRECT_IO_ALIGNMENT,
    LocalPathError,
    PositionalWriter,
    UnsafeBlobNameError,
    local_target,
    open_direct,
    open_for_positional_write,
    safe_relative_path,
    temp_download_path,
    walk_local,
)


def make(tmp_path, *names):
    for name in names:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())


def test_walk_directory_file_and_wildcard(tmp_path):
    make(tmp_path, "a.txt", "d/b.txt", "d/e/c.bin", "d/ü %.txt")
    assert sorted(f.relative_path for f in walk_local(str(tmp_path / "d"), True)) == ["b.txt", "e/c.bin", "ü %.txt"]
    assert [f.relative_path for f in walk_local(str(tmp_path / "a.txt"), False)] == ["a.txt"]
    assert sorted(f.relative_path for f in walk_local(str(tmp_path / "d" / "*"), False)) == ["b.txt", "ü %.txt"]
    assert sorted(f.relative_path for f in walk_local(str(tmp_path / "d" / "*"), True)) == ["b.txt", "e/c.bin", "ü %.txt"]
    with pytest.raises(LocalPathError, match="--recursive"):
        list(walk_local(str(tmp_path / "d"), False))
    with pytest.raises(LocalPathError, match="cannot find"):
        list(walk_local(str(tmp_path / "missing"), True))


def test_symlinks_are_skipped_unless_followed_and_loops_are_caught(tmp_path):
    make(tmp_path, "d/real.txt")
    os.symlink(tmp_path / "d" / "real.txt", tmp_path / "d" / "link.txt")
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    skipped = []
    assert [f.relative_path for f in walk_local(str(tmp_path / "d"), True, on_skip=lambda p, r: skipped.append(p))] == ["real.txt"]
    assert len(skipped) == 2
    followed = sorted(f.relative_path for f in walk_local(str(tmp_path / "d"), True, follow_symlinks=True, on_skip=lambda p, r: None))
    assert followed == ["link.txt", "real.txt"]


def test_walk_is_a_generator_that_does_not_hold_the_tree(tmp_path):
    for i in range(50):
        make(tmp_path, f"d{i % 5}/f{i}")
    walker = walk_local(str(tmp_path), True)
    first = next(walker)
    assert first.size > 0
    assert len(list(walker)) == 49


@pytest.mark.parametrize("name", ["../x", "a/../../x", "/etc/passwd", "a\\..\\x", "C:/x", "a/./b", "", "a//b/.."])
def test_escaping_blob_names_are_refused(tmp_path, name):
    with pytest.raises(UnsafeBlobNameError):
        local_target(str(tmp_path), name)


def test_safe_names_land_under_the_root(tmp_path):
    assert local_target(str(tmp_path), "a/b c/ü%.txt") == str(tmp_path / "a" / "b c" / "ü%.txt")
    assert safe_relative_path("x..y/z") == "x..y/z"
    assert os.path.basename(temp_download_path("/d/file.bin", "1234567890")).startswith(".azDownload-12345678-")


def test_names_that_are_not_utf8_are_skipped_with_a_reason(tmp_path):
    make(tmp_path, "d/good.txt")
    fd = os.open(os.fsencode(tmp_path / "d") + b"/bad\xff.txt", os.O_WRONLY | os.O_CREAT)
    os.close(fd)
    skipped = []
    assert [f.relative_path for f in walk_local(str(tmp_path / "d"), True, on_skip=lambda p, r: skipped.append(r))] == ["good.txt"]
    assert skipped and "UTF-8" in skipped[0]


# --- direct (O_DIRECT) writes of downloads -------------------------------------------------------------------------


def _aligned(data: bytes) -> memoryview:
    buffer = mmap.mmap(-1, max(len(data), 1))
    buffer[: len(data)] = data
    return memoryview(buffer)[: len(data)]


def _direct_or_skip(path) -> int:
    fd = open_direct(str(path))
    if fd is None:
        pytest.skip("this file system refuses O_DIRECT")
    return fd


@pytest.mark.parametrize("tail", [0, 1, 4095, 777])
def test_direct_writer_puts_aligned_pieces_and_an_unaligned_tail_in_place(tmp_path, tail):
    path = tmp_path / "out.bin"
    size = 3 * 1024 * 1024 + tail
    data = os.urandom(size)
    fd = open_for_positional_write(str(path), size, keep=False)
    direct = _direct_or_skip(path)
    try:
        writer = PositionalWriter(fd, 0, str(path), direct)
        for start in range(0, size, 1024 * 1024):
            writer.write(_aligned(data[start:start + 1024 * 1024]))
        assert writer.direct_fd == direct  # never refused: every aligned piece went around the page cache
        assert writer.written == size
    finally:
        os.close(direct)
        os.close(fd)
    assert path.read_bytes() == data


def test_direct_writer_falls_back_for_an_unaligned_buffer_without_losing_or_repeating_bytes(tmp_path):
    path = tmp_path / "out.bin"
    pieces = [os.urandom(2 * DIRECT_IO_ALIGNMENT), os.urandom(3 * DIRECT_IO_ALIGNMENT), os.urandom(100)]
    size = sum(map(len, pieces))
    fd = open_for_positional_write(str(path), size, keep=False)
    direct = _direct_or_skip(path)
    try:
        writer = PositionalWriter(fd, 0, str(path), direct)
        writer.write(_aligned(pieces[0]))
        unaligned = memoryview(bytearray(b"\0" + pieces[1]))[1:]  # one byte past a page boundary: the kernel refuses it
        writer.write(unaligned)
        writer.write(pieces[2])
        assert writer.direct_fd is None
        assert writer.written == size
    finally:
        os.close(direct)
        os.close(fd)
    assert path.read_bytes() == b"".join(pieces)
