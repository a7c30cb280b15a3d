"""The File service's shares, share snapshots, directories and files.

The tree (names, properties, metadata, which byte ranges hold data) lives in memory; file contents live on disk,
one sparse file per Azure file under the state directory. Disk, because Azure files are created with their final
size (up to 4 TiB) before any byte is written: a sparse file costs nothing for the ranges never written, memory stays
flat for big files, and the page cache does the buffering. Both go when the stack stops, like Azurite's in-memory
blobs. Names are case-insensitive and case-preserving, as on Azure Files (SMB semantics).
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from localazure.files import errors
from localazure.files.ranges import add_range, clip_ranges, remove_range

SHARE_NAME = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
INVALID_NAME_CHARS = set('"\\:|<>*?') | {chr(c) for c in range(0x20)}
CONTENT_HEADERS = ("content-type", "content-encoding", "content-language", "content-disposition", "cache-control")
DEFAULT_PERMISSION_KEY = "4066528134148476695*1"  # what a new file or directory inherits
DEFAULT_PERMISSION = "O:SYG:SYD:(A;;FA;;;BA)(A;;FA;;;SY)(A;;0x1301bf;;;AU)(A;;0x1200a9;;;BU)"
DEFAULT_QUOTA_GIB = 5120  # a standard share's default and maximum (large file shares)
_ids = itertools.count(13835058055282163712)  # file ids look like Azure's 64-bit ids
_etag_counter = itertools.count(1)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def new_etag() -> str:
    return f'"0x8D{(now().toordinal() * 86400 * 10**7 + next(_etag_counter)) & 0xFFFFFFFFFFFFF:013X}"'


@dataclass
class Node:
    """A directory or a file."""

    name: str
    is_dir: bool
    metadata: dict[str, str] = field(default_factory=dict)
    id: int = field(default_factory=lambda: next(_ids))
    parent_id: int = 0
    etag: str = field(default_factory=new_etag)
    last_modified: datetime.datetime = field(default_factory=now)
    created: datetime.datetime = field(default_factory=now)
    last_write: datetime.datetime = field(default_factory=now)
    changed: datetime.datetime = field(default_factory=now)
    attributes: str = ""
    permission_key: str = DEFAULT_PERMISSION_KEY
    children: dict[str, "Node"] = field(default_factory=dict)  # casefolded name -> node (directories)
    size: int = 0  # files
    data: Path | None = None  # files: the sparse file holding the contents
    ranges: list[tuple[int, int]] = field(default_factory=list)  # files: [start, end) ranges written, merged
    headers: dict[str, str] = field(default_factory=dict)  # files: content-type ... cache-control
    content_md5: str | None = None  # files: base64, as set by the client
    copy: dict[str, str] = field(default_factory=dict)  # files: x-ms-copy-* of the last Copy File

    def touch(self) -> None:
        self.etag, self.last_modified = new_etag(), now()
        self.last_write = self.changed = self.last_modified


@dataclass
class Share:
    name: str
    quota: int
    root: Node
    metadata: dict[str, str] = field(default_factory=dict)
    etag: str = field(default_factory=new_etag)
    last_modified: datetime.datetime = field(default_factory=now)
    snapshot: str | None = None  # the snapshot time of a share snapshot
    permissions: dict[str, str] = field(default_factory=lambda: {DEFAULT_PERMISSION_KEY: DEFAULT_PERMISSION})  # key -> SDDL

    def permission_key(self, sddl: str) -> str:
        """The key of a security descriptor, stored once per share as Azure does (keys look like Azure's)."""
        digest = hashlib.sha256(sddl.encode("utf-8")).digest()
        key = f"{int.from_bytes(digest[:8], 'big')}*{int.from_bytes(digest[8:16], 'big')}"
        self.permissions[key] = sddl
        return key

    def usage(self) -> int:
        total, stack = 0, [self.root]
        while stack:
            node = stack.pop()
            total += node.size
            stack.extend(node.children.values())
        return total


def check_path(path: str) -> list[str]:
    """The segments of a file or directory path, refused with InvalidResourceName when Azure would."""
    segments = [s for s in path.split("/") if s]
    for segment in segments:
        if len(segment) > 255 or INVALID_NAME_CHARS & set(segment) or segment in (".", ".."):
            raise errors.invalid_resource_name()
    if len(path.encode("utf-8")) > 2048:
        raise errors.invalid_resource_name()
    return segments


@dataclass
class FileStore:
    data_dir: Path
    _shares: dict[str, Share] = field(default_factory=dict)
    _snapshots: dict[str, dict[str, Share]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir.mkdir(parents=True)

    def close(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)

    # shares ------------------------------------------------------------------------------------------------------
    def create_share(self, name: str, quota: int | None, metadata: dict[str, str]) -> Share:
        if not SHARE_NAME.match(name):
            raise errors.invalid_resource_name()
        if name in self._shares:
            raise errors.share_already_exists()
        root = Node("", True, attributes="Directory")
        share = Share(name, quota or DEFAULT_QUOTA_GIB, root, dict(metadata))
        self._shares[name] = share
        self._snapshots[name] = {}
        return share

    def share(self, name: str, snapshot: str | None = None) -> Share:
        share = self._shares.get(name)
        if share is None:
            raise errors.share_not_found()
        if snapshot:
            found = self._snapshots[name].get(snapshot)
            if found is None:
                raise errors.share_snapshot_not_found()
            return found
        return share

    def shares(self, include_snapshots: bool) -> Iterator[Share]:
        for name in sorted(self._shares):
            yield self._shares[name]
            if include_snapshots:
                yield from (self._snapshots[name][t] for t in sorted(self._snapshots[name]))

    def delete_share(self, name: str, snapshot: str | None, delete_snapshots: str) -> None:
        share = self.share(name, snapshot)
        if snapshot:
            del self._snapshots[name][snapshot]
            self._drop_data(share.root)
            return
        if self._snapshots[name] and delete_snapshots.lower() not in ("include", "include-leased"):
            raise errors.share_has_snapshots()
        for taken in self._snapshots.pop(name).values():
            self._drop_data(taken.root)
        del self._shares[name]
        self._drop_data(share.root)

    def snapshot_share(self, name: str, metadata: dict[str, str]) -> Share:
        share = self.share(name)
        taken = now()
        stamp = datetime.datetime.now(datetime.timezone.utc)
        while (label := stamp.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z") in self._snapshots[name]:
            stamp += datetime.timedelta(microseconds=1)
        copy = Share(name, share.quota, self._copy_tree(share.root), dict(metadata or share.metadata), share.etag, taken, label, dict(share.permissions))
        self._snapshots[name][label] = copy
        return copy

    def _copy_tree(self, node: Node) -> Node:
        clone = Node(node.name, node.is_dir, dict(node.metadata), node.id, node.parent_id, node.etag, node.last_modified,
                     node.created, node.last_write, node.changed, node.attributes, node.permission_key,
                     size=node.size, ranges=list(node.ranges), headers=dict(node.headers), content_md5=node.content_md5, copy=dict(node.copy))
        if node.is_dir:
            clone.children = {key: self._copy_tree(child) for key, child in node.children.items()}
        else:
            clone.data = self._new_data(node.size)
            self.copy_ranges(node, clone, 0)
        return clone

    def _drop_data(self, node: Node) -> None:
        stack = [node]
        while stack:
            item = stack.pop()
            if item.data is not None:
                item.data.unlink(missing_ok=True)
            stack.extend(item.children.values())

    # directories and files ---------------------------------------------------------------------------------------
    def lookup(self, share: Share, path: str) -> Node:
        """The node at ``path`` ('' is the root); ParentNotFound when a parent is missing, else ResourceNotFound."""
        node = share.root
        segments = check_path(path)
        for index, segment in enumerate(segments):
            child = node.children.get(segment.casefold()) if node.is_dir else None
            if child is None:
                raise errors.parent_not_found() if index < len(segments) - 1 else errors.resource_not_found()
            node = child
        return node

    def parent_of(self, share: Share, path: str) -> tuple[Node, str]:
        segments = check_path(path)
        if not segments:
            raise errors.invalid_resource_name()
        try:
            parent = self.lookup(share, "/".join(segments[:-1]))
        except errors.FileError as error:
            if error.code == "ResourceNotFound":
                raise errors.parent_not_found() from None
            raise
        if not parent.is_dir:
            raise errors.parent_not_found()
        return parent, segments[-1]

    def create_directory(self, share: Share, path: str, metadata: dict[str, str]) -> Node:
        parent, name = self.parent_of(share, path)
        if name.casefold() in parent.children:
            raise errors.resource_already_exists()
        node = Node(name, True, dict(metadata), parent_id=parent.id, attributes="Directory")
        parent.children[name.casefold()] = node
        return node

    def create_file(self, share: Share, path: str, size: int, headers: dict[str, str], metadata: dict[str, str]) -> Node:
        """Create or replace the file at ``path`` with ``size`` bytes of zeros."""
        parent, name = self.parent_of(share, path)
        existing = parent.children.get(name.casefold())
        if existing is not None and existing.is_dir:
            raise errors.resource_already_exists()
        node = Node(existing.name if existing else name, False, dict(metadata), parent_id=parent.id, attributes="Archive",
                    size=size, data=self._new_data(size), headers=dict(headers))
        if existing is not None:
            node.id, node.created = existing.id, existing.created
            self._drop_data(existing)
        parent.children[name.casefold()] = node
        return node

    def delete(self, share: Share, path: str, is_dir: bool) -> None:
        parent, name = self.parent_of(share, path)
        node = parent.children.get(name.casefold())
        if node is None or node.is_dir != is_dir:
            raise errors.resource_not_found()
        if is_dir and node.children:
            raise errors.directory_not_empty()
        del parent.children[name.casefold()]
        self._drop_data(node)

    def rename(self, share: Share, source_path: str, target_path: str, replace: bool) -> Node:
        """Move the file at ``source_path`` to ``target_path`` in the same share, atomically: the target's old file
        (when ``replace``) is gone and the source is there in one step. A directory is never replaced."""
        source_parent, source_name = self.parent_of(share, source_path)
        node = source_parent.children.get(source_name.casefold())
        if node is None or node.is_dir:
            raise errors.resource_not_found()
        parent, name = self.parent_of(share, target_path)
        existing = parent.children.get(name.casefold())
        if existing is not None and existing is not node:
            if existing.is_dir or not replace:
                raise errors.resource_already_exists()
            self._drop_data(existing)
        del source_parent.children[source_name.casefold()]
        node.name, node.parent_id = name, parent.id
        parent.children[name.casefold()] = node
        return node

    def _new_data(self, size: int) -> Path:
        path = self.data_dir / uuid.uuid4().hex
        with open(path, "wb") as handle:
            handle.truncate(size)
        return path

    # contents ----------------------------------------------------------------------------------------------------
    def resize(self, node: Node, size: int) -> None:
        os.truncate(node.data, size)
        node.size = size
        node.ranges = clip_ranges(node.ranges, size)

    def write(self, node: Node, offset: int, data: bytes) -> None:
        fd = os.open(node.data, os.O_WRONLY)
        try:
            os.pwrite(fd, data, offset)
        finally:
            os.close(fd)
        node.ranges = add_range(node.ranges, offset, offset + len(data))

    def clear(self, node: Node, start: int, end: int) -> None:
        """Zero [start, end) and forget it as data (Put Range with x-ms-write: clear). Only bytes that were written
        are overwritten: the rest of a sparse file already reads as zeros, so clearing a huge range costs nothing."""
        fd = os.open(node.data, os.O_WRONLY)
        try:
            for low, high in node.ranges:
                position, stop = max(low, start), min(high, end)
                while position < stop:
                    piece = min(stop - position, 1 << 20)
                    os.pwrite(fd, bytes(piece), position)
                    position += piece
        finally:
            os.close(fd)
        node.ranges = remove_range(node.ranges, start, end)

    def read(self, node: Node, start: int, end: int, chunk: int = 1 << 20) -> Iterator[bytes]:
        """The bytes of [start, end), in pieces of at most ``chunk``."""
        fd = os.open(node.data, os.O_RDONLY)
        try:
            position = start
            while position < end:
                piece = os.pread(fd, min(chunk, end - position), position)
                if not piece:
                    break
                position += len(piece)
                yield piece
        finally:
            os.close(fd)

    def copy_ranges(self, source: Node, target: Node, offset: int) -> None:
        """Copy ``source``'s written ranges into ``target`` at ``offset`` (sparse stays sparse)."""
        for start, end in source.ranges:
            position = start
            for piece in self.read(source, start, end):
                self.write(target, offset + position, piece)
                position += len(piece)
