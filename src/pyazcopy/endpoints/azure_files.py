"""An Azure Files share (or a directory in it) as an endpoint of the protocol (:mod:`pyazcopy.endpoints.protocol`),
over the lean data path of :class:`FileShareClient`.

Listing. Azure Files lists one directory at a time, in no promised order. The protocol promises code-point order of
the full ``/``-joined names, so the endpoint walks depth first and, in each directory, reads all its pages, sorts
the children with a directory's name read as ``name/`` and descends into a directory when its turn comes. Every
name under ``d/`` starts with ``d/``, so it sorts after a sibling ``d-1`` (``-`` < ``/``) and before ``d0`` exactly
as ``d/`` does: the walk yields the global order, holding one directory's names per level of depth (not the tree),
as the local endpoint does. Listings hold files; directories are walked, not listed.

Writing. Azure Files has no atomic commit: a file is created at its full size and written range by range, visible
all along. A writer therefore creates ``.pyazcopy-<token>-<name>`` beside the final name (parent directories made as
needed), puts its ranges there (4 MiB at most per request) and commits with Rename File, replacing any file of the
final name in one step. An aborted writer deletes its temp file; a killed one leaves it (never the final name).
"""

from __future__ import annotations

import base64
import secrets
import threading
from typing import Iterator

from pyazcopy.endpoints.file_share_client import MAX_RANGE, FileShareClient, FileShareUrl, md5_header
from pyazcopy.endpoints.lean_http import http_date_timestamp
from pyazcopy.endpoints.protocol import Entry, EntityType, Features, Properties, UnsupportedOperation, written_from_start
from pyazcopy.errors import StorageServiceError

FILES_FEATURES = Features(ranged_writes=True, real_directories=True, content_hashes=True, content_headers=True, metadata=True)
TEMP_PREFIX = ".pyazcopy-"
MAX_NAME = 255  # a file or directory name's limit on Azure Files
# Properties field, response header of Get File Properties, request header of Create File / Set File Properties
_HEADERS = (("content_type", "Content-Type", "x-ms-content-type"), ("content_encoding", "Content-Encoding", "x-ms-content-encoding"),
            ("content_language", "Content-Language", "x-ms-content-language"),
            ("content_disposition", "Content-Disposition", "x-ms-content-disposition"), ("cache_control", "Cache-Control", "x-ms-cache-control"))
_TIME_REFUSAL = "a file's last-modified time is the service's; leave it out for an Azure Files destination"


def _request_headers(properties: Properties) -> dict[str, str]:
    headers = {header: getattr(properties, field) for field, _, header in _HEADERS if getattr(properties, field)}
    if properties.content_md5:
        headers["x-ms-content-md5"] = md5_header(properties.content_md5)
    return headers


def temp_name(name: str, token: str) -> str:
    """The temp file beside ``name``: same directory, ``.pyazcopy-<token>-`` before the base name (cut to fit 255)."""
    directory, _, base = name.rpartition("/")
    temp = f"{TEMP_PREFIX}{token}-{base}"[:MAX_NAME]
    return f"{directory}/{temp}" if directory else temp


class FileWriter:
    """Ranges at offsets of a temp file beside the final name; ``commit`` renames it into place."""

    def __init__(self, endpoint: "FileShareEndpoint", path: str, size: int, properties: Properties) -> None:
        self.client, self.path, self.size = endpoint.client, path, size
        self.temp = temp_name(path, secrets.token_hex(4))
        self._ranges: dict[int, int] = {}  # offset -> length written
        self._lock = threading.Lock()
        self._closed = False
        endpoint.create_file(self.temp, size, _request_headers(properties) | {f"x-ms-meta-{k}": v for k, v in properties.metadata}, shown=path)

    def write_at(self, offset: int, data: memoryview | bytes) -> None:
        if self._closed:
            raise StorageServiceError(f"the writer of {self.client.redacted(self.path)} is closed; open a new one")
        view = memoryview(data).cast("B") if not isinstance(data, memoryview) or data.format != "B" else data
        for start in range(0, len(view), MAX_RANGE):
            self.client.put_range(self.temp, offset + start, view[start:start + MAX_RANGE], shown=self.path)
        with self._lock:
            self._ranges[offset] = max(len(view), self._ranges.get(offset, 0))

    def commit(self) -> None:
        if self._closed:
            raise StorageServiceError(f"the writer of {self.client.redacted(self.path)} is closed; open a new one")
        written = written_from_start(self._ranges)
        if written != self.size:
            self.abort()
            raise StorageServiceError(f"{self.client.redacted(self.path)}: {written} of {self.size} bytes were written in order; "
                                      "nothing was committed, copy it again")
        self.client.rename(self.temp, self.path, replace=True)  # a failed rename leaves the writer open: commit may be retried
        self._closed = True

    def abort(self) -> None:
        """Delete the temp file; the final name was never touched."""
        self._closed = True
        self.client.delete_file(self.temp, shown=self.path)


class FileShareEndpoint:
    """The files of ``url`` (a share, or the directory ``url.path`` in it), through ``client``."""

    kind = "File"
    features = FILES_FEATURES

    def __init__(self, url: FileShareUrl, client: FileShareClient) -> None:
        self.url, self.client = url, client
        self.base = url.path + "/" if url.path else ""

    @property
    def display(self) -> str:
        return self.url.redacted

    def close(self) -> None:
        self.client.close()

    # --- Lister ---------------------------------------------------------------------------------------------------
    def list(self, prefix: str = "", folders: bool = False) -> Iterator[Entry]:
        """The protocol's listing; ``folders`` (for `pyazcopy list`, not the protocol) adds each directory as a
        FOLDER entry just before its contents, where ``name/`` sorts."""
        directory = prefix.rpartition("/")[0]
        yield from self._walk(directory + "/" if directory else "", prefix, folders)

    def _walk(self, relative: str, prefix: str, folders: bool = False) -> Iterator[Entry]:
        """The files under the directory ``relative`` ("" or ending in "/") whose names start with ``prefix``."""
        rest = prefix[len(relative):] if prefix.startswith(relative) else ""
        try:
            children = sorted((((item.name + "/" if item.is_directory else item.name), item)
                               for item in self.client.list_directory((self.base + relative).rstrip("/"), rest if "/" not in rest else "")),
                              key=lambda child: child[0])
        except StorageServiceError as error:
            if error.status == 404 and error.error_code in ("ResourceNotFound", "ParentNotFound", None, ""):
                return  # no such directory: nothing under it
            raise
        for key, item in children:
            name = relative + key
            if not (name.startswith(prefix) or prefix.startswith(name)):
                continue
            if item.is_directory:
                if folders and name.startswith(prefix):
                    yield Entry(name[:-1], 0, item.last_modified, entity_type=EntityType.FOLDER, etag=item.etag)
                yield from self._walk(name, prefix, folders)
            elif name.startswith(prefix):
                yield Entry(name, item.size, item.last_modified, etag=item.etag)

    def stat(self, name: str) -> Entry | None:
        headers = self.client.head(self.base + name)
        if headers is None:
            return None
        md5 = base64.b64decode(headers.get("Content-MD5") or "")
        metadata = tuple(sorted((key[len("x-ms-meta-"):], value) for key, value in ((k.lower(), v) for k, v in headers.items())
                                if key.startswith("x-ms-meta-")))
        values = {field: headers.get(header) or "" for field, header, _ in _HEADERS}
        properties = Properties(**values, content_md5=md5, metadata=metadata)
        return Entry(name, int(headers.get("Content-Length") or 0), http_date_timestamp(headers.get("Last-Modified")), md5,
                     properties=properties, etag=headers.get("ETag") or "")

    # --- Source ---------------------------------------------------------------------------------------------------
    def read_into(self, name: str, offset: int, buffer: memoryview) -> int:
        if not len(buffer):
            return 0
        return self.client.download_range(self.base + name, offset, buffer)

    # --- Destination ----------------------------------------------------------------------------------------------
    def open_writer(self, name: str, size: int, properties: Properties = Properties()) -> FileWriter:
        if properties.last_modified is not None:
            raise UnsupportedOperation(_TIME_REFUSAL)
        return FileWriter(self, self.base + name, size, properties)

    def create_file(self, path: str, size: int, headers: dict[str, str], shown: str = "") -> None:
        """Create File, making its parent directories first when the service says a parent is missing."""
        try:
            self.client.create_file(path, size, headers, shown)
        except StorageServiceError as error:
            if error.error_code != "ParentNotFound":
                raise
            self._make_parents(path)
            self.client.create_file(path, size, headers, shown)

    def _make_parents(self, path: str) -> None:
        """Each directory from the share's root down (Create Directory makes one level; one that exists is fine)."""
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            self.client.create_directory("/".join(parts[:depth]))

    def delete(self, name: str) -> bool:
        return self.client.delete_file(self.base + name)

    def set_properties(self, name: str, properties: Properties) -> None:
        if properties.last_modified is not None:
            raise UnsupportedOperation(_TIME_REFUSAL)
        self.client.set_properties(self.base + name, _request_headers(properties), properties.metadata)
