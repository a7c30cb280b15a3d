"""The endpoint protocol: what any place bytes come from or go to offers, and nothing about how.

Three small protocols, after rclone's backend interface (one listing, one reader, one writer per object, plus
feature flags the caller asks instead of switching on types) and s3transfer's separate upload and download managers:

- :class:`Lister` enumerates a location as a stream of :class:`Entry` values, in name order, and stats one entry;
- :class:`Source` is a lister that reads a byte range into the caller's buffer;
- :class:`Destination` opens a :class:`Writer` for a new object (ranges at offsets, or staged blocks), which
  commits atomically or aborts; it also deletes and sets properties.

:class:`Features` says what an endpoint can do beyond that. Every endpoint must pass the conformance suite in
``tests/conformance/`` (docs/ARCHITECTURE.md, "Adding an endpoint"). Names are ``/``-separated and relative to the
endpoint's location. Failures are :mod:`pyazcopy.errors` errors; ``TransientStorageError`` ones are worth retrying,
and retrying is the caller's job (one retry loop, ``endpoints/retry.py``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterator, Protocol, runtime_checkable

from pyazcopy.errors import UsageError


class UnsupportedOperation(UsageError):
    """The endpoint cannot do what was asked (its :class:`Features` say so); the message names what to do instead."""


class EntityType(str, enum.Enum):
    FILE = "File"
    FOLDER = "Folder"


@dataclass(frozen=True)
class Features:
    """What an endpoint can do beyond the protocol's minimum; the engine asks these instead of switching on types."""

    server_side_copy: bool = False  # a writer can commit from a source URL (service-to-service copy)
    ranged_writes: bool = False  # a writer puts ranges at any offset of the object
    staged_blocks: bool = False  # a writer stages blocks and commits them as a list
    real_directories: bool = False  # folders exist by themselves (not only as name prefixes)
    posix_acls: bool = False
    content_hashes: bool = False  # the endpoint keeps a content MD5 with an object
    content_headers: bool = False  # content type, encoding, language, disposition and cache control are kept
    metadata: bool = False  # name/value metadata is kept
    modified_time: bool = False  # the last-modified time can be set
    tiers: bool = False
    tags: bool = False
    sequential_only: bool = False  # a pipe: one pass, in order, no ranges


@dataclass(frozen=True)
class Properties:
    """What an object carries besides its bytes. ``last_modified`` is only set where ``Features.modified_time``."""

    content_type: str = ""
    content_encoding: str = ""
    content_language: str = ""
    content_disposition: str = ""
    cache_control: str = ""
    content_md5: bytes = b""
    metadata: tuple[tuple[str, str], ...] = ()
    last_modified: float | None = None

    @property
    def has_content_headers(self) -> bool:
        return any((self.content_type, self.content_encoding, self.content_language, self.content_disposition, self.cache_control,
                    self.content_md5))


@dataclass(frozen=True)
class Entry:
    """One object (or folder) of a listing or a stat."""

    name: str  # '/'-separated, relative to the endpoint's location
    size: int
    last_modified: float  # seconds since the epoch
    content_md5: bytes = b""
    entity_type: EntityType = EntityType.FILE
    properties: Properties = Properties()
    etag: str = ""  # a version tag a reader can insist on; "" where the endpoint has none
    blob_type: str = ""  # BlockBlob, PageBlob or AppendBlob on Blob storage; "" elsewhere


def written_from_start(ranges: dict[int, int]) -> int:
    """How many bytes from offset 0 the ranges (offset -> length) cover without a gap: what a writer may commit."""
    position = 0
    for offset in sorted(ranges):
        if offset > position:
            break
        position = max(position, offset + ranges[offset])
    return position


@runtime_checkable
class Writer(Protocol):
    """A new object being written. Nothing is visible under its final name until :meth:`commit` returns; after
    :meth:`abort` (or if the writer's process dies) nothing is. Writes may come from many threads at once."""

    def write_at(self, offset: int, data: memoryview | bytes) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


@runtime_checkable
class Lister(Protocol):
    kind: str  # "Local", "Blob", ... as in AzCopy's --from-to
    features: Features

    @property
    def display(self) -> str:
        """The location for messages: never a SAS signature."""
        ...

    def list(self, prefix: str = "") -> Iterator[Entry]:
        """Every object whose name starts with ``prefix``, recursively, in code-point order of their names (so
        ``a-b`` < ``a/b`` < ``a0``), each once."""
        ...

    def stat(self, name: str) -> Entry | None:
        """The object ``name``, or None when there is none."""
        ...


@runtime_checkable
class Source(Lister, Protocol):
    def read_into(self, name: str, offset: int, buffer: memoryview) -> int:
        """Fill ``buffer`` with the object's bytes from ``offset``; the range lies within the object. Returns how many
        bytes were read (``len(buffer)``)."""
        ...


@runtime_checkable
class Destination(Protocol):
    kind: str
    features: Features

    def open_writer(self, name: str, size: int, properties: Properties = Properties()) -> Writer:
        """A writer for a new object of ``size`` bytes, which replaces any object of that name when committed."""
        ...

    def delete(self, name: str) -> bool:
        """Delete the object; False when there was none."""
        ...

    def set_properties(self, name: str, properties: Properties) -> None:
        """Replace the object's content headers and metadata (and its time where ``Features.modified_time``);
        :class:`UnsupportedOperation` for what the endpoint's features lack."""
        ...


@runtime_checkable
class Endpoint(Source, Destination, Protocol):
    """Both roles: today's endpoints (local and Blob) are each a source and a destination."""
