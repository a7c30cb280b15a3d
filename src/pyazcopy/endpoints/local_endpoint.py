"""A local directory as an endpoint of the protocol (:mod:`pyazcopy.endpoints.protocol`), built on the file
primitives of :mod:`pyazcopy.endpoints.local` (safe names, positional reads and writes, temp files renamed into place).

A writer writes ``.azDownload-<token>-<name>`` beside the final name and renames it into place on commit, so a writer
that aborts or dies leaves nothing under the final name (as a download always did)."""

from __future__ import annotations

import errno
import os
import secrets
import stat as stat_module
import threading
from typing import Iterator

from pyazcopy.endpoints import local
from pyazcopy.endpoints.protocol import Entry, EntityType, Features, Properties, UnsupportedOperation, written_from_start

LOCAL_FEATURES = Features(ranged_writes=True, real_directories=True, modified_time=True)
TEMP_PREFIX = ".azDownload-"


class LocalWriter:
    """Ranges at offsets of a temp file beside the final name; commit renames it into place."""

    def __init__(self, target: str, size: int, properties: Properties) -> None:
        self.target, self.size, self.properties = target, size, properties
        self.temp = local.temp_download_path(target, secrets.token_hex(4))
        self._fd: int | None = local.open_for_positional_write(self.temp, size, keep=False)
        self._lock = threading.Lock()
        self._ranges: dict[int, int] = {}  # offset -> length written

    def write_at(self, offset: int, data: memoryview | bytes) -> None:
        if self._fd is None:
            raise local.LocalPathError(f"the writer of {self.target} is closed; open a new one")
        local.PositionalWriter(self._fd, offset, self.temp, self._lock).write(data)
        with self._lock:
            self._ranges[offset] = max(len(data), self._ranges.get(offset, 0))

    def commit(self) -> None:
        fd = self._close()
        if fd is None:
            raise local.LocalPathError(f"the writer of {self.target} is closed; open a new one")
        written = written_from_start(self._ranges)
        if written != self.size:
            self.abort()
            raise local.LocalPathError(f"{self.target}: {written} of {self.size} bytes were written in order; nothing was saved, "
                                       "copy it again")
        local.finish_download(self.temp, self.target, self.properties.last_modified)

    def abort(self) -> None:
        self._close()
        try:
            os.unlink(self.temp)
        except FileNotFoundError:
            pass

    def _close(self) -> int | None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
        return fd


class LocalEndpoint:
    """The directory ``root`` (made when the first writer needs it)."""

    kind = "Local"
    features = LOCAL_FEATURES

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(os.path.expanduser(root))

    @property
    def display(self) -> str:
        return self.root

    def _path(self, name: str) -> str:
        return local.local_target(self.root, name)

    # --- Lister ---------------------------------------------------------------------------------------------------
    def list(self, prefix: str = "") -> Iterator[Entry]:
        """Depth first, each directory's children sorted with a directory's name read as ``name/``: that is the
        code-point order of the full names, with memory for one directory's names per level, not for the tree."""
        yield from self._list_dir(self.root, "", prefix)

    def _list_dir(self, path: str, relative: str, prefix: str) -> Iterator[Entry]:
        try:
            with os.scandir(path) as iterator:
                children = []
                for entry in iterator:
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        continue
                    children.append((entry.name + "/" if is_dir else entry.name, entry))
        except FileNotFoundError:
            return
        except OSError as error:
            raise local.LocalPathError(f"cannot read the directory {path}: {error.strerror or error}") from None
        children.sort(key=lambda child: child[0])
        for key, entry in children:
            name = relative + key
            if not (name.startswith(prefix) or prefix.startswith(name)):
                continue
            if key.endswith("/"):
                yield from self._list_dir(entry.path, name, prefix)
            elif name.startswith(prefix) and entry.is_file(follow_symlinks=False):
                yield _file_entry(name, entry.stat(follow_symlinks=False))

    def stat(self, name: str) -> Entry | None:
        try:
            st = os.stat(self._path(name))
        except (FileNotFoundError, NotADirectoryError):
            return None
        if stat_module.S_ISDIR(st.st_mode):
            return Entry(name, 0, st.st_mtime, entity_type=EntityType.FOLDER)
        return _file_entry(name, st)

    # --- Source ---------------------------------------------------------------------------------------------------
    def read_into(self, name: str, offset: int, buffer: memoryview) -> int:
        path = self._path(name)
        fd = local.open_for_read(path)
        try:
            return local.read_into(fd, buffer, offset, path)
        finally:
            os.close(fd)

    # --- Destination ----------------------------------------------------------------------------------------------
    def open_writer(self, name: str, size: int, properties: Properties = Properties()) -> LocalWriter:
        _refuse_unsupported(properties)
        return LocalWriter(self._path(name), size, properties)

    def delete(self, name: str) -> bool:
        path = self._path(name)
        try:
            os.unlink(path)
            return True
        except FileNotFoundError:
            return False
        except OSError as error:
            if error.errno == errno.EISDIR:
                raise UnsupportedOperation(f"{path} is a directory; delete the files in it by name") from None
            raise local.LocalPathError(f"cannot delete {path}: {error.strerror or error}") from None

    def set_properties(self, name: str, properties: Properties) -> None:
        _refuse_unsupported(properties)
        path = self._path(name)
        if properties.last_modified is not None:
            try:
                os.utime(path, (properties.last_modified, properties.last_modified))
            except FileNotFoundError:
                raise local.LocalPathError(f"cannot set the time of {path}: there is no such file") from None


def _file_entry(name: str, st: os.stat_result) -> Entry:
    return Entry(name, st.st_size, st.st_mtime, properties=Properties(last_modified=st.st_mtime))


def _refuse_unsupported(properties: Properties) -> None:
    if properties.has_content_headers or properties.metadata:
        raise UnsupportedOperation("a local file keeps no content headers, MD5 or metadata; leave them out for a local destination")
