"""The local file system as a transfer endpoint: streaming enumeration, positional reads and writes, safe paths.

Enumeration is a generator over ``os.scandir`` with an explicit stack of open directory iterators, so memory grows
with the depth of the tree, never with the number of files.
"""

from __future__ import annotations

import collections
import errno
import fnmatch
import os
import queue
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from pyazcopy.errors import PyAzCopyError

WILDCARDS = "*?["


class LocalPathError(PyAzCopyError):
    """A local path is missing, unreadable or not writable; the message names it and what to do. ``resume_helps``:
    the cause can pass without changing the command (a full disk), so `jobs resume` is the next step."""

    def __init__(self, message: str, resume_helps: bool = False) -> None:
        super().__init__(message)
        self.resume_helps = resume_helps


class UnsafeBlobNameError(PyAzCopyError):
    """A blob name would land outside the download destination (``../``, an absolute path, a backslash)."""


@dataclass(frozen=True)
class LocalFile:
    relative_path: str  # '/'-separated, relative to the enumeration root
    path: str  # absolute path on disk
    size: int
    last_modified: float  # st_mtime


def has_wildcard(text: str) -> bool:
    return any(c in text for c in WILDCARDS)


def _entry(path: str, relative: str, st: os.stat_result) -> LocalFile:
    return LocalFile(relative, path, st.st_size, st.st_mtime)


def walk_local(
    source: str, recursive: bool, follow_symlinks: bool = False, on_skip: Callable[[str, str], None] | None = None
) -> Iterator[LocalFile]:
    """Every file under ``source`` (a file, a directory, or a path whose last part has wildcards).

    Relative paths are relative to the directory named by ``source`` (or to the wildcard's parent directory).
    Symbolic links are skipped unless ``follow_symlinks`` (AzCopy's default). ``on_skip(path, reason)`` hears about
    what was left out.
    """
    skip = on_skip or (lambda path, reason: None)
    source_path = os.path.abspath(os.path.expanduser(source))
    parent, last = os.path.split(source_path)
    if has_wildcard(last) and not os.path.exists(source_path):
        try:
            names = sorted(os.listdir(parent))
        except OSError as error:
            raise LocalPathError(f"cannot read the source directory {parent}: {error.strerror}; check that it exists and is readable") from None
        for name in names:
            if not fnmatch.fnmatchcase(name, last):
                continue
            if not _utf8(name):
                skip(os.path.join(parent, name), "the name is not valid UTF-8, and blob names must be; rename it to copy it")
                continue
            full = os.path.join(parent, name)
            yield from _walk_entry(full, name, recursive, follow_symlinks, skip, top=False)
        return
    try:
        st = os.stat(source_path) if follow_symlinks else os.lstat(source_path)
    except FileNotFoundError:
        raise LocalPathError(f"cannot find the source {source_path}: check the path (no such file or directory)") from None
    except OSError as error:
        raise LocalPathError(f"cannot read the source {source_path}: {error.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        st = os.stat(source_path)  # a link named on the command line is followed, as AzCopy does
    if stat.S_ISDIR(st.st_mode):
        if not recursive:
            raise LocalPathError(
                f"{source_path} is a directory: add --recursive to copy it, or name a file or a wildcard like {source_path}/*"
            )
        yield from _walk_dir(source_path, "", follow_symlinks, skip)
    else:
        yield _entry(source_path, os.path.basename(source_path), st)


def _walk_entry(full: str, relative: str, recursive: bool, follow: bool, skip, top: bool) -> Iterator[LocalFile]:
    try:
        st = os.lstat(full)
        if stat.S_ISLNK(st.st_mode):
            if not follow:
                skip(full, "symbolic link (use --follow-symlinks to follow it)")
                return
            st = os.stat(full)
    except OSError as error:
        skip(full, error.strerror or str(error))
        return
    if stat.S_ISDIR(st.st_mode):
        if recursive:
            yield from _walk_dir(full, relative, follow, skip)
        return
    if stat.S_ISREG(st.st_mode):
        yield _entry(full, relative, st)
    else:
        skip(full, "not a regular file")


def _walk_dir(root: str, root_relative: str, follow: bool, skip) -> Iterator[LocalFile]:
    seen_dirs: set[tuple[int, int]] = set()  # only the directories on the current path (loop detection)
    stack: list[tuple[Iterator[os.DirEntry], str, tuple[int, int]]] = []

    def push(path: str, relative: str) -> None:
        try:
            st = os.stat(path)
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                skip(path, "directory loop through a symbolic link")
                return
            iterator = os.scandir(path)
        except OSError as error:
            skip(path, f"cannot read directory: {error.strerror or error}")
            return
        seen_dirs.add(key)
        stack.append((iterator, relative, key))

    push(root, root_relative)
    while stack:
        iterator, relative, key = stack[-1]
        try:
            entry = next(iterator)
        except StopIteration:
            iterator.close()  # type: ignore[attr-defined]
            seen_dirs.discard(key)
            stack.pop()
            continue
        except OSError as error:
            skip(os.path.join(root, relative), f"cannot read directory: {error.strerror or error}")
            stack.pop()
            continue
        child_relative = f"{relative}/{entry.name}" if relative else entry.name
        if not _utf8(entry.name):
            skip(entry.path, "the name is not valid UTF-8, and blob names must be; rename it to copy it")
            continue
        try:
            is_link = entry.is_symlink()
            if is_link and not follow:
                skip(entry.path, "symbolic link (use --follow-symlinks to follow it)")
                continue
            if entry.is_dir(follow_symlinks=follow):
                push(entry.path, child_relative)
                continue
            if entry.is_file(follow_symlinks=follow):
                yield _entry(entry.path, child_relative, entry.stat(follow_symlinks=follow))
            else:
                skip(entry.path, "not a regular file")
        except OSError as error:
            skip(entry.path, error.strerror or str(error))


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:  # undecodable bytes, kept by os.fsdecode as lone surrogates
        return False


# --- downloads: where a blob lands ----------------------------------------------------------------------------
def safe_relative_path(name: str) -> str:
    """Check a blob's relative name before it becomes a local path; returns it, or raises UnsafeBlobNameError."""
    if "\\" in name:
        raise UnsafeBlobNameError(f"blob name {name!r} contains a backslash and could land outside the destination; it was not downloaded")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise UnsafeBlobNameError(f"blob name {name!r} is an absolute path; it was not downloaded")
    if not name.strip("/") or any(part in ("..", ".") for part in name.split("/")) or "\x00" in name:
        raise UnsafeBlobNameError(f"blob name {name!r} would escape the destination (it has '..' or '.' parts); it was not downloaded")
    return name


def local_target(root: str, relative: str) -> str:
    """``root/relative`` after the safety checks, and a last check that the result stays under ``root``."""
    safe = safe_relative_path(relative)
    root_abs = os.path.abspath(root)
    target = os.path.abspath(os.path.join(root_abs, *safe.split("/")))
    if not target.startswith(root_abs.rstrip("/") + "/"):
        raise UnsafeBlobNameError(f"blob name {relative!r} would escape the destination; it was not downloaded")
    return target


def temp_download_path(target: str, job_id: str) -> str:
    """The name a download is written to until it is complete and verified (AzCopy's ``.azDownload-`` prefix)."""
    directory, name = os.path.split(target)
    return os.path.join(directory, f".azDownload-{job_id[:8]}-{name}"[:255])


def open_for_positional_write(path: str, size: int, keep: bool, made_directories: set[str] | None = None) -> int:
    """Open (creating parents) the temp file of a download; ``keep`` keeps existing bytes for a resumed download.

    A new file is not sized in advance: its ranges extend it, and the download's length check catches a short one.
    ``made_directories`` remembers the directories already made, so most files cost no ``mkdir`` call."""
    flags = os.O_WRONLY | os.O_CREAT | (0 if keep else os.O_TRUNC)
    directory = os.path.dirname(path) or "."
    try:
        if made_directories is None or directory not in made_directories:
            _make_directory(directory, made_directories)
        try:
            fd = os.open(path, flags, 0o644)
        except FileNotFoundError:  # the directory was removed since it was made: make it again
            _make_directory(directory, made_directories)
            fd = os.open(path, flags, 0o644)
        if keep and os.fstat(fd).st_size > size:
            os.ftruncate(fd, size)
    except OSError as error:
        raise LocalPathError(_write_error_message(path, error), resume_helps=error.errno == errno.ENOSPC) from None
    return fd


def _make_directory(directory: str, made_directories: set[str] | None) -> None:
    os.makedirs(directory, exist_ok=True)
    if made_directories is not None:
        if len(made_directories) >= 10_000:  # a tree of very many folders: remember only the recent ones
            made_directories.clear()
        made_directories.add(directory)


def _file_in_the_way(path: str) -> str:
    """The nearest parent of ``path`` that exists but is not a directory ("" when there is none)."""
    parent = os.path.dirname(path)
    while parent and parent != os.path.dirname(parent):
        if os.path.lexists(parent):
            return "" if os.path.isdir(parent) else parent
        parent = os.path.dirname(parent)
    return ""


def _write_error_message(path: str, error: OSError) -> str:
    if error.errno == errno.ENOSPC:
        return f"the disk holding {path} is full: free space or choose another destination, then resume the job"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {path}: permission denied; choose a destination you can write to"
    blocker = _file_in_the_way(path) if error.errno in (errno.EEXIST, errno.ENOTDIR) else ""
    if blocker:
        return (f"cannot write {path}: a path component is not a directory ({blocker} is a file); "
                "choose another destination, or move that file away")
    return f"cannot write {path}: {error.strerror or error}"


class PositionalWriter:
    """A file-like ``write`` that puts bytes at a fixed offset of an open file and moves on (for ranged GETs).

    The ranges of one file share ``lock`` (one per file): each buffered write takes the inode's lock in the kernel,
    and 16 threads contending for it spin there, which cost a 1 GiB download 3.2 s of system time against 0.9 s with
    the writes taken in turn here (docs/PERFORMANCE.md). A write of a few hundred KiB into the page cache is far
    quicker than the network delivers it, so taking turns costs no speed.

    With ``drop_behind`` (bytes), the range hands its pages back as it goes: each time it crosses a window of that
    size, it asks the kernel to write the previous window out and to drop the one before (``POSIX_FADV_DONTNEED``
    drops only pages already written). A large download then reuses a few recently freed pages instead of filling
    the page cache with fresh ones, which on these VMs costs 2-3 s of system time per GiB (docs/PERFORMANCE.md)."""

    def __init__(self, fd: int, offset: int, path: str, lock: threading.Lock | None = None, drop_behind: int = 0) -> None:
        self.fd, self.offset, self.path, self.written, self.lock = fd, offset, path, 0, lock
        self.start, self.drop_behind, self._windows_passed = offset, drop_behind, 0

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        if self.lock is None:
            self._write_all(view)
        else:
            with self.lock:
                self._write_all(view)
        if self.drop_behind and (self.offset - self.start) // self.drop_behind > self._windows_passed:
            self._hand_back_pages()
        return len(data)

    def _hand_back_pages(self) -> None:
        window = self.drop_behind
        while (self.offset - self.start) // window > self._windows_passed:
            self._windows_passed += 1
            for index in (self._windows_passed - 1, self._windows_passed - 2):  # write out the last, drop the one before
                if index >= 0:
                    os.posix_fadvise(self.fd, self.start + index * window, window, os.POSIX_FADV_DONTNEED)

    def _write_all(self, view: memoryview) -> None:
        while view:
            try:
                n = os.pwrite(self.fd, view, self.offset)
            except OSError as error:
                raise LocalPathError(_write_error_message(self.path, error), resume_helps=error.errno == errno.ENOSPC) from None
            view = view[n:]
            self.offset += n
            self.written += n


class PageHandBack:
    """The page-cache pages of the last few finished downloads, handed back once written out: a finished file is
    asked to be written out (``POSIX_FADV_DONTNEED`` starts the writeback of dirty pages) and kept open; when
    ``depth`` newer ones have finished, its now-clean pages are dropped and it is closed. Later downloads then reuse
    recently freed pages instead of fresh memory (2-3 s of system time per GiB on these VMs, docs/PERFORMANCE.md).

    One thread of its own gives the advice, so no download waits while the kernel queues a writeback. Advice only:
    a refusal changes nothing. ``add`` is safe from many threads; ``close`` closes every descriptor it still holds."""

    def __init__(self, depth: int = 8) -> None:
        self.depth = depth
        self._open: collections.deque[int] = collections.deque()
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closing = False

    def add(self, fd: int) -> None:
        """Take over ``fd`` (an open, finished download): it is closed here, now or later."""
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="page-hand-back", daemon=True)
                    self._thread.start()
        self._queue.put(fd)

    def settle(self) -> None:
        """Wait until every descriptor added so far has been dealt with."""
        self._queue.join()

    def close(self) -> None:
        """Close every descriptor still held, without more advice: the job is over and should not wait for it."""
        self._closing = True
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        while self._open:
            os.close(self._open.popleft())

    def _run(self) -> None:
        while True:
            fd = self._queue.get()
            try:
                if fd is None:
                    return
                if self._closing:
                    self._open.append(fd)
                    continue
                _advise_dont_need(fd)
                self._open.append(fd)
                if len(self._open) > self.depth:
                    oldest = self._open.popleft()
                    _advise_dont_need(oldest)
                    os.close(oldest)
            finally:
                self._queue.task_done()


def _advise_dont_need(fd: int) -> None:
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except OSError:
        pass


def finish_download(temp: str, target: str, last_modified: float | None) -> None:
    """Rename the complete temp file to its final name (and set its time when asked)."""
    if last_modified is not None:
        os.utime(temp, (last_modified, last_modified))
    try:
        os.replace(temp, target)
    except OSError as error:
        raise LocalPathError(_write_error_message(target, error), resume_helps=error.errno == errno.ENOSPC) from None


def read_into(fd: int, buffer: memoryview, offset: int, path: str) -> int:
    """Fill ``buffer`` from ``offset`` of an open file; returns how many bytes were read."""
    total = 0
    while total < len(buffer):
        try:
            n = os.preadv(fd, [buffer[total:]], offset + total)
        except OSError as error:
            raise LocalPathError(f"cannot read {path}: {error.strerror or error}") from None
        if n == 0:
            break
        total += n
    return total


def open_for_read(path: str) -> int:
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise LocalPathError(f"{path} disappeared before it could be read") from None
    except OSError as error:
        if error.errno in (errno.EACCES, errno.EPERM):
            raise LocalPathError(f"cannot read {path}: permission denied; give your user read permission (chmod u+r) or leave it out "
                                 "with --exclude-path, then resume the job") from None
        raise LocalPathError(f"cannot read {path}: {error.strerror or error}") from None
