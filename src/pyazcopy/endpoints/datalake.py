"""A Data Lake filesystem (or a directory in it) as an endpoint of the protocol (:mod:`pyazcopy.endpoints.protocol`),
over the dfs REST API of :class:`~pyazcopy.endpoints.datalake_client.DataLakeClient` (AzCopy's ``BlobFS``).

Listing: Path - List answers one directory at a time with its children in name order (and, recursively, a
directory's subtree right after it, which is not the protocol's order: ``a/x`` would come before ``a-b``). So each
directory is listed by itself and merged: a child directory's subtree is placed where the key ``name/`` sorts among
its siblings. Memory is one page per level of depth plus the subtrees waiting for their turn (those whose names are
prefixes of one another), never the whole tree. ``list(folders=True)`` also yields the directories, as
``EntityType.FOLDER`` entries at their names' places; the default lists files only, as the engine expects.

Writing: a writer creates a temporary file beside the final one (``.pyazcopy-<random>-<name>``, in the same
directory, so the ACLs that allow writing the file allow it too; Create Path makes missing parent directories as
Azure does), appends ranges at their positions from any thread, flushes once at the end and renames the temporary
file over the final name, which is atomic in an account with a hierarchical namespace. ``abort`` deletes it.
"""

from __future__ import annotations

import base64
import heapq
import secrets
import threading
from typing import Any, Iterator

from pyazcopy.endpoints.blob_transfer import BlobUrl
from pyazcopy.endpoints.datalake_client import CONTENT_HEADERS, DataLakeClient, PathItem, decode_properties
from pyazcopy.endpoints.lean_http import http_date_timestamp
from pyazcopy.endpoints.protocol import Entry, EntityType, Features, Properties, UnsupportedOperation, written_from_start
from pyazcopy.errors import PyAzCopyError, StorageServiceError

DATALAKE_FEATURES = Features(ranged_writes=True, real_directories=True, posix_acls=True, content_hashes=True, content_headers=True, metadata=True)
TEMPORARY_PREFIX = ".pyazcopy-"


def _content_headers(properties: Properties) -> dict[str, str]:
    headers = {header: getattr(properties, field) for field, _, header in CONTENT_HEADERS if getattr(properties, field)}
    if properties.content_md5:
        headers["x-ms-content-md5"] = base64.b64encode(properties.content_md5).decode("ascii")
    return headers


class DataLakeWriter:
    """Appends at positions to a temporary file; ``commit`` flushes it and renames it over the final name."""

    def __init__(self, client: DataLakeClient, name: str, size: int, properties: Properties) -> None:
        self.client, self.name, self.size, self.properties = client, name, size, properties
        directory, _, base = name.rpartition("/")
        self.temporary = (directory + "/" if directory else "") + f"{TEMPORARY_PREFIX}{secrets.token_hex(4)}-{base}"
        self._ranges: dict[int, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        client.create_file(self.temporary, properties.metadata, shown=name)

    def write_at(self, offset: int, data: memoryview | bytes) -> None:
        if self._closed:
            raise StorageServiceError(f"the writer of {self.client.display(self.name)} is closed; open a new one")
        if len(data):
            self.client.append(self.temporary, offset, data, shown=self.name)
        with self._lock:
            self._ranges[offset] = len(data)

    def commit(self) -> None:
        self._closed = True
        with self._lock:
            position = written_from_start(self._ranges)
        if position != self.size:
            raise StorageServiceError(f"{self.client.display(self.name)}: {position} of {self.size} bytes were written in order; "
                                      "nothing was committed, copy it again")
        self.client.flush(self.temporary, self.size, _content_headers(self.properties), shown=self.name)
        self.client.rename(self.temporary, self.name)

    def abort(self) -> None:
        self._closed = True
        try:
            self.client.delete(self.temporary)
        except PyAzCopyError:
            pass  # best effort: a temporary file left behind is never under the final name


class DataLakeFilesystem:
    """The paths of ``url`` (a filesystem, or the directory ``url.path`` in it), through ``client``."""

    kind = "BlobFS"
    features = DATALAKE_FEATURES

    def __init__(self, url: BlobUrl, client: DataLakeClient, blob: Any = None) -> None:
        """``blob``: a :class:`~pyazcopy.endpoints.blob_transfer.BlobTransferClient` of the same filesystem on the
        account's Blob endpoint, for :meth:`set_properties` (None: the dfs endpoint's setProperties)."""
        self.url, self.client, self.blob = url, client, blob
        self.base = url.path.strip("/") + "/" if url.path.strip("/") else ""

    @property
    def display(self) -> str:
        return self.url.redacted

    def close(self) -> None:
        self.client.close()
        if self.blob is not None:
            self.blob.close()

    # --- Lister ---------------------------------------------------------------------------------------------------
    def list(self, prefix: str = "", folders: bool = False) -> Iterator[Entry]:
        """Files (and with ``folders`` directories) whose names start with ``prefix``, in code-point order."""
        wanted = self.base + prefix
        start = wanted.rsplit("/", 1)[0] if "/" in wanted else ""
        drop = len(self.base)
        for item in self._walk(start, wanted):
            if item.name.startswith(wanted) and len(item.name) > drop and (folders or not item.is_directory):
                yield Entry(item.name[drop:], item.size, item.last_modified, etag=item.etag,
                            entity_type=EntityType.FOLDER if item.is_directory else EntityType.FILE)

    def _walk(self, directory: str, wanted: str) -> Iterator[PathItem]:
        """Every path inside ``directory`` that may start with ``wanted``, in code-point order of full names."""
        waiting: list[str] = []  # subtrees ("name/") whose turn comes when a sibling sorts after them
        for item in self.client.list_directory(directory):
            while waiting and waiting[0] < item.name:
                yield from self._walk(heapq.heappop(waiting)[:-1], wanted)
            yield item
            key = item.name + "/"
            if item.is_directory and (key.startswith(wanted) or wanted.startswith(key)):
                heapq.heappush(waiting, key)
        while waiting:
            yield from self._walk(heapq.heappop(waiting)[:-1], wanted)

    def stat(self, name: str) -> Entry | None:
        headers = self.client.properties(self.base + name)
        if headers is None:
            return None
        last_modified = http_date_timestamp(headers.get("Last-Modified"))
        if (headers.get("x-ms-resource-type") or "").lower() == "directory":
            return Entry(name, 0, last_modified, entity_type=EntityType.FOLDER, etag=headers.get("ETag") or "")
        md5 = base64.b64decode(headers.get("Content-MD5") or "")
        values = {field: headers.get(header) or "" for field, header, _ in CONTENT_HEADERS}
        properties = Properties(**values, content_md5=md5, metadata=decode_properties(headers.get("x-ms-properties")))
        return Entry(name, int(headers.get("Content-Length") or 0), last_modified, md5, properties=properties, etag=headers.get("ETag") or "")

    # --- Source ---------------------------------------------------------------------------------------------------
    def read_into(self, name: str, offset: int, buffer: memoryview) -> int:
        if not len(buffer):
            return 0
        return self.client.read_into(self.base + name, offset, buffer)

    # --- Destination ----------------------------------------------------------------------------------------------
    def open_writer(self, name: str, size: int, properties: Properties = Properties()) -> DataLakeWriter:
        if properties.last_modified is not None:
            raise UnsupportedOperation("a Data Lake file's last-modified time is the service's; leave it out for a BlobFS destination")
        return DataLakeWriter(self.client, self.base + name, size, properties)

    def delete(self, name: str) -> bool:
        return self.client.delete(self.base + name)

    def set_properties(self, name: str, properties: Properties) -> None:
        if properties.last_modified is not None:
            raise UnsupportedOperation("a Data Lake file's last-modified time is the service's; leave it out for a BlobFS destination")
        if self.blob is not None:  # Set Blob Properties replaces every content header, as the protocol promises and as the
            # Data Lake SDKs set them; x-ms-content-type -> x-ms-blob-content-type, x-ms-cache-control -> x-ms-blob-cache-control
            headers = {header.replace("x-ms-", "x-ms-blob-", 1): value for header, value in _content_headers(properties).items()}
            self.blob.set_properties(self.base + name, headers, properties.metadata)
            return
        # the dfs endpoint's setProperties sets the headers given and replaces the metadata; a header left out may stay
        self.client.set_properties(self.base + name, _content_headers(properties), properties.metadata)
