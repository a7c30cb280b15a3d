"""Local enumeration streams; blob names that would escape the destination are refused."""

from __future__ import annotations

import os
import threading
import time

import pytest

from pyazcopy.endpoints.local import (
    LocalPathError,
    PageHandBack,
    PositionalWriter,
    UnsafeBlobNameError,
    local_target,
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


# --- positional writes of downloads ------------------------------------------------------------------------------


def _write_ranges_concurrently(path, data: bytes, ranges: int, piece: int, lock) -> None:
    fd = open_for_positional_write(str(path), len(data), keep=False)
    size = len(data) // ranges
    start = threading.Barrier(ranges)
    written: dict[int, int] = {}

    def one_range(index: int) -> None:
        writer = PositionalWriter(fd, index * size, str(path), lock)
        start.wait()
        end = (index + 1) * size
        for offset in range(index * size, end, piece):
            writer.write(memoryview(data)[offset:min(offset + piece, end)])
        written[index] = writer.written

    threads = [threading.Thread(target=one_range, args=(i,)) for i in range(ranges)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.close(fd)
    assert written == {i: size for i in range(ranges)}  # every range wrote exactly its own bytes (checked here: a
    # failed assertion inside a thread would only be a warning)


def test_ranges_written_by_many_threads_land_in_place(tmp_path):
    data = os.urandom(16 * 256 * 1024)
    _write_ranges_concurrently(tmp_path / "out.bin", data, ranges=16, piece=64 * 1024 + 3, lock=threading.Lock())
    assert (tmp_path / "out.bin").read_bytes() == data


def test_the_ranges_of_one_file_write_in_turn_never_at_once(tmp_path, monkeypatch):
    """The kernel's per-inode lock is contended by spinning; the writers of one file take turns in user space."""
    real_pwrite, inside, most = os.pwrite, [0], [0]
    guard = threading.Lock()

    def slow_pwrite(fd, data, offset):
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.002)  # long enough that writers without the shared lock would overlap
        try:
            return real_pwrite(fd, data, offset)
        finally:
            with guard:
                inside[0] -= 1

    monkeypatch.setattr(os, "pwrite", slow_pwrite)
    data = os.urandom(8 * 8 * 4096)
    _write_ranges_concurrently(tmp_path / "out.bin", data, ranges=8, piece=4096, lock=threading.Lock())
    assert most[0] == 1
    assert (tmp_path / "out.bin").read_bytes() == data


def test_a_write_error_names_the_file(tmp_path):
    path = tmp_path / "out.bin"
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)  # not open for writing: EBADF
    try:
        with pytest.raises(LocalPathError, match=str(path)):
            PositionalWriter(fd, 0, str(path)).write(b"x")
    finally:
        os.close(fd)


def test_a_new_download_file_is_not_sized_in_advance_and_a_resumed_one_keeps_its_bytes(tmp_path):
    path = tmp_path / "a" / "b" / "out.bin"
    fd = open_for_positional_write(str(path), 1000, keep=False)
    os.close(fd)
    assert path.stat().st_size == 0  # a short download cannot pass for a complete one by its size
    path.write_bytes(b"x" * 600)
    os.close(open_for_positional_write(str(path), 1000, keep=True))
    assert path.read_bytes() == b"x" * 600
    os.close(open_for_positional_write(str(path), 100, keep=True))  # longer than the blob now is: cut to its size
    assert path.stat().st_size == 100


def test_remembered_directories_are_made_again_when_they_were_removed(tmp_path):
    made: set[str] = set()
    first = tmp_path / "d" / "one.bin"
    os.close(open_for_positional_write(str(first), 1, keep=False, made_directories=made))
    assert str(tmp_path / "d") in made
    first.unlink()
    (tmp_path / "d").rmdir()  # removed behind the job's back
    os.close(open_for_positional_write(str(tmp_path / "d" / "two.bin"), 1, keep=False, made_directories=made))
    assert (tmp_path / "d" / "two.bin").exists()


def test_a_large_range_hands_its_pages_back_behind_it_and_keeps_every_byte(tmp_path, monkeypatch):
    """Each window crossed: the previous window is written out and the one before dropped (POSIX_FADV_DONTNEED)."""
    advice: list[tuple[int, int]] = []
    real_fadvise = os.posix_fadvise

    def recording_fadvise(fd, offset, length, what):
        assert what == os.POSIX_FADV_DONTNEED
        advice.append((offset, length))
        return real_fadvise(fd, offset, length, what)

    monkeypatch.setattr(os, "posix_fadvise", recording_fadvise)
    window, start = 64 * 1024, 3 * 4096
    data = os.urandom(5 * window + 100)
    path = tmp_path / "big.bin"
    fd = open_for_positional_write(str(path), start + len(data), keep=False)
    try:
        writer = PositionalWriter(fd, start, str(path), threading.Lock(), drop_behind=window)
        for offset in range(0, len(data), 10_000):
            writer.write(data[offset:offset + 10_000])
    finally:
        os.close(fd)
    starts = [offset for offset, _ in advice]
    assert set(starts) == {start + i * window for i in range(5)}  # windows 0-4 written out; 0-3 dropped too
    assert sorted(starts).count(start) == 2 and starts.count(start + 4 * window) == 1
    assert all(length == window for _, length in advice)
    assert path.read_bytes()[start:] == data


def test_finished_downloads_are_written_out_then_dropped_and_closed_after_depth_newer_ones(tmp_path, monkeypatch):
    advised: list[int] = []
    real_fadvise = os.posix_fadvise
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, what: (advised.append(fd), real_fadvise(fd, offset, length, what))[1])
    hand_back = PageHandBack(depth=3)
    fds = []
    for i in range(5):
        fd = os.open(tmp_path / f"f{i}", os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"x" * 8192)
        fds.append(fd)
        hand_back.add(fd)
    hand_back.settle()

    def still_open(i: int) -> bool:  # descriptor numbers are reused: ask which file each one holds
        try:
            return os.readlink(f"/proc/self/fd/{fds[i]}") == str(tmp_path / f"f{i}")
        except OSError:
            return False

    assert [still_open(i) for i in range(5)] == [False, False, True, True, True]  # the two oldest: dropped and closed
    assert len(advised) == 7  # each written out on arrival (5), the two oldest dropped on leaving (2)
    hand_back.close()
    assert not any(still_open(i) for i in range(5))
    assert all((tmp_path / f"f{i}").read_bytes() == b"x" * 8192 for i in range(5))
