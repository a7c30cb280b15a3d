"""The hierarchical namespace itself: filesystems holding real directories and files, with their ACLs.

The tree and its properties live in memory (an account lives as long as its localazure process, like Azurite's
in-memory mode); file contents live on disk under the state directory, one file per path, so large uploads do
not grow the process. Appended data is written in place past the committed length and becomes visible only when
a flush at the right position commits it, as in Azure.
"""

from __future__ import annotations

import base64
import email.utils
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Iterator

from localazure.datalake.acl import Access, new_child, root_access
from localazure.datalake.errors import DataLakeError, invalid, path_exists, path_not_found


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def _etag() -> str:
    return f'"0x{uuid.uuid4().hex[:15].upper()}"'


@dataclass
class Node:
    is_directory: bool
    access: Access
    created: float = field(default_factory=time.time)
    modified: float = field(default_factory=time.time)
    etag: str = field(default_factory=_etag)
    length: int = 0  # committed bytes
    data: Path | None = None  # files: where the bytes live
    pending: list[tuple[int, int]] = field(default_factory=list)  # appended, not yet flushed: [start, end) ranges
    headers: dict[str, str] = field(default_factory=dict)  # content-type, content-encoding, ... as stored
    metadata: dict[str, str] = field(default_factory=dict)

    def touch(self) -> None:
        self.modified, self.etag = time.time(), _etag()


@dataclass
class Filesystem:
    name: str
    root: Node
    created: float = field(default_factory=time.time)
    etag: str = field(default_factory=_etag)
    metadata: dict[str, str] = field(default_factory=dict)
    paths: dict[str, Node] = field(default_factory=dict)  # "a/b/c" -> node (the root is not in it)


def normalize(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise invalid("InvalidResourceName", "The specifed resource name contains invalid characters.")
    return "/".join(parts)


def parent_of(path: str) -> str:
    return path.rpartition("/")[0]


@dataclass
class Store:
    directory: Path  # where file contents live
    filesystems: dict[str, Filesystem] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    staged: dict[tuple[str, str], dict[str, Path]] = field(default_factory=dict)  # Put Block: (fs, path) -> id -> bytes

    def __post_init__(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)  # a previous run's contents: its tree died with it
        self.directory.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        """Remove every file's contents: the tree lives only as long as the process."""
        shutil.rmtree(self.directory, ignore_errors=True)

    # filesystems ----------------------------------------------------------------------------------------------
    def create_filesystem(self, name: str, metadata: dict[str, str] | None = None, root: Access | None = None) -> Filesystem:
        with self.lock:
            if name in self.filesystems:
                raise DataLakeError(409, "FilesystemAlreadyExists", "The specified filesystem already exists.")
            fs = Filesystem(name, Node(True, root or root_access()), metadata=dict(metadata or {}))
            self.filesystems[name] = fs
            return fs

    def filesystem(self, name: str) -> Filesystem:
        fs = self.filesystems.get(name)
        if fs is None:
            raise DataLakeError(404, "FilesystemNotFound", "The specified filesystem does not exist.")
        return fs

    def delete_filesystem(self, name: str) -> None:
        with self.lock:
            fs = self.filesystem(name)
            del self.filesystems[name]
            for node in fs.paths.values():
                self._discard(node)

    # paths ------------------------------------------------------------------------------------------------------
    def node(self, fs: Filesystem, path: str) -> Node | None:
        return fs.root if path == "" else fs.paths.get(path)

    def existing(self, fs: Filesystem, path: str) -> Node:
        node = self.node(fs, path)
        if node is None:
            raise path_not_found()
        return node

    def ancestors(self, fs: Filesystem, path: str) -> list[tuple[str, Access]]:
        """The existing directories above ``path``, from the root down (missing ones are created on demand)."""
        chain, current = [("", fs.root.access)], ""
        for part in path.split("/")[:-1] if path else []:
            current = f"{current}/{part}" if current else part
            node = fs.paths.get(current)
            if node is None:
                break
            chain.append((current, node.access))
        return chain

    def create(self, fs: Filesystem, path: str, is_directory: bool, owner: str, permissions: str | None = None, umask: str | None = None, access: Access | None = None) -> Node:
        """A new file or directory (replacing a file at ``path``); missing parent directories are created, each
        inheriting from its own parent as Azure does."""
        with self.lock:
            if not path:
                raise path_exists()
            parent = self._make_parents(fs, path, owner, umask)
            existing = fs.paths.get(path)
            if existing is not None and existing.is_directory != is_directory:
                raise DataLakeError(409, "ResourceTypeMismatch" if existing.is_directory else "PathConflict", "The resource type specified in the request does not match the type of the resource." if existing.is_directory else "The specified path, or an element of the path, exists and its resource type is invalid for this operation.")
            if existing is not None and is_directory:
                return existing
            node = Node(is_directory, access or new_child(parent.access, owner, is_directory, permissions, umask))
            if existing is not None:
                node.access = access or existing.access
                self._discard(existing)
            if not is_directory:
                node.data = self.directory / uuid.uuid4().hex
                node.data.touch()
            fs.paths[path] = node
            parent.touch()
            return node

    def _make_parents(self, fs: Filesystem, path: str, owner: str, umask: str | None) -> Node:
        parent, current = fs.root, ""
        for part in path.split("/")[:-1]:
            current = f"{current}/{part}" if current else part
            node = fs.paths.get(current)
            if node is None:
                node = Node(True, new_child(parent.access, owner, True, None, umask))
                fs.paths[current] = node
            elif not node.is_directory:
                raise DataLakeError(409, "PathConflict", "The specified path, or an element of the path, exists and its resource type is invalid for this operation.")
            parent = node
        return parent

    def subtree(self, fs: Filesystem, path: str) -> list[str]:
        """Every path strictly inside directory ``path``, sorted so parents come before their children."""
        prefix = f"{path}/" if path else ""
        return sorted((p for p in fs.paths if p.startswith(prefix)), key=lambda p: p.split("/"))

    def children(self, fs: Filesystem, path: str, recursive: bool) -> list[str]:
        inside = self.subtree(fs, path)
        return inside if recursive else [p for p in inside if parent_of(p) == path]

    def delete(self, fs: Filesystem, path: str) -> None:
        with self.lock:
            for inner in self.subtree(fs, path) + [path]:
                node = fs.paths.pop(inner, None)
                if node is not None:
                    self._discard(node)
            parent = self.node(fs, parent_of(path))
            if parent is not None:
                parent.touch()

    def move(self, source_fs: Filesystem, source: str, target_fs: Filesystem, target: str, owner: str) -> Node:
        with self.lock:
            node = self.existing(source_fs, source)
            if target == source and target_fs is source_fs:
                return node
            if target == source or target.startswith(source + "/") and target_fs is source_fs:
                raise invalid("InvalidDestinationPath", "The specified path, or an element of the path, cannot be moved into itself.")
            existing = target_fs.paths.get(target)
            if existing is not None:
                if existing.is_directory and (not node.is_directory or self.subtree(target_fs, target)):
                    raise DataLakeError(409, "PathAlreadyExists", "The specified path already exists.")
                self.delete(target_fs, target)
            self._make_parents(target_fs, target, owner, None)
            moved = {source: target} | {p: target + p[len(source):] for p in self.subtree(source_fs, source)}
            for old, new in moved.items():
                target_fs.paths[new] = source_fs.paths.pop(old)
            for fs_, p in ((source_fs, parent_of(source)), (target_fs, parent_of(target))):
                parent = self.node(fs_, p)
                if parent is not None:
                    parent.touch()
            return node

    def _discard(self, node: Node) -> None:
        if node.data is not None:
            node.data.unlink(missing_ok=True)

    # file contents ----------------------------------------------------------------------------------------------
    async def append(self, node: Node, position: int, body: AsyncIterator[bytes]) -> int:
        """Write appended data at ``position`` (uncommitted until a flush); returns how many bytes came."""
        if node.is_directory or node.data is None:
            raise invalid("InvalidRequest", "Append is not supported on a directory.")
        if position < node.length:
            raise invalid("InvalidFlushPosition", "The uploaded data is not contiguous or the position query parameter value is not equal to the length of the file after appending the uploaded data.")
        count = 0
        with open(node.data, "r+b") as handle:
            handle.seek(position)
            async for chunk in body:
                handle.write(chunk)
                count += len(chunk)
        if count:
            node.pending.append((position, position + count))
        return count

    def flush(self, node: Node, position: int, retain: bool = False) -> None:
        """Commit the appended data up to ``position``: it must be where the contiguous appended data ends (or, with
        ``retain``, anywhere inside it; the rest stays uncommitted)."""
        if node.is_directory or node.data is None:
            raise invalid("InvalidRequest", "Flush is not supported on a directory.")
        covered = node.length
        for start, end in sorted(node.pending):
            if start <= covered:
                covered = max(covered, end)
        if position < node.length or position > covered or (position < covered and not retain):
            raise invalid("InvalidFlushPosition", "The uploaded data is not contiguous or the position query parameter value is not equal to the length of the file after appending the uploaded data.")
        node.length = position
        node.pending = [(max(s, position), e) for s, e in node.pending if e > position] if retain else []
        if not node.pending:
            os.truncate(node.data, position)
        node.touch()

    def replace_content(self, node: Node, source: Path, length: int) -> None:
        """Put Blob / Put Block List: the file's bytes become ``source``'s."""
        assert node.data is not None
        os.replace(source, node.data)
        node.length, node.pending = length, []
        node.touch()

    def read(self, node: Node, start: int, end: int, piece: int = 1 << 20) -> Iterator[bytes]:
        """The committed bytes [start, end), in pieces."""
        if node.data is None:
            return
        with open(node.data, "rb") as handle:
            handle.seek(start)
            left = end - start
            while left > 0:
                chunk = handle.read(min(piece, left))
                if not chunk:
                    break
                left -= len(chunk)
                yield chunk

    def scratch(self) -> Path:
        return self.directory / f"scratch-{uuid.uuid4().hex}"


def encode_properties(metadata: dict[str, str]) -> str:
    """``x-ms-properties``: name=base64(value),... ."""
    return ",".join(f"{k}={base64.b64encode(v.encode()).decode()}" for k, v in metadata.items())


def decode_properties(text: str | None) -> dict[str, str]:
    result = {}
    for part in filter(None, (text or "").split(",")):
        name, _, value = part.partition("=")
        try:
            result[name.strip()] = base64.b64decode(value.strip()).decode()
        except (ValueError, UnicodeDecodeError):
            raise invalid("InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format.") from None
    return result
