"""A Blob container (or a virtual directory in it) as an endpoint of the protocol
(:mod:`pyazcopy.endpoints.protocol`), over the lean data path of :class:`BlobTransferClient`.

A writer stages one block per range and commits them with Put Block List, which is atomic: until then no blob of
that name exists (or the old one is still whole), and staged blocks that are never committed are dropped by the
service."""

from __future__ import annotations

import base64
import secrets
import threading
from typing import Any, Iterator

from pyazcopy.endpoints.blob_transfer import BlobHeaders, BlobTransferClient, BlobUrl
from pyazcopy.endpoints.lean_http import http_date_timestamp
from pyazcopy.endpoints.protocol import Entry, Features, Properties, UnsupportedOperation
from pyazcopy.errors import StorageServiceError

BLOB_FEATURES = Features(staged_blocks=True, content_hashes=True, content_headers=True, metadata=True, tiers=True)
_HEADERS = (("content_type", "Content-Type", "x-ms-blob-content-type"), ("content_encoding", "Content-Encoding", "x-ms-blob-content-encoding"),
            ("content_language", "Content-Language", "x-ms-blob-content-language"),
            ("content_disposition", "Content-Disposition", "x-ms-blob-content-disposition"),
            ("cache_control", "Cache-Control", "x-ms-blob-cache-control"))


class BufferFiller:
    """A ``write`` that fills a caller's buffer in order (what ``download_range`` streams into)."""

    def __init__(self, buffer: memoryview) -> None:
        self.buffer, self.filled = buffer, 0

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        end = self.filled + len(view)
        if end > len(self.buffer):
            raise StorageServiceError("the service sent more bytes than the range asked for; try again")
        self.buffer[self.filled:end] = view
        self.filled = end
        return len(view)


class BlobWriter:
    """One staged block per ``write_at``; ``commit`` lists them in offset order (Put Block List)."""

    def __init__(self, client: BlobTransferClient, name: str, size: int, properties: Properties) -> None:
        self.client, self.name, self.size, self.properties = client, name, size, properties
        self._token = secrets.token_hex(4)
        self._blocks: dict[int, tuple[str, int]] = {}  # offset -> (block id, length)
        self._lock = threading.Lock()
        self._closed = False

    def write_at(self, offset: int, data: memoryview | bytes) -> None:
        if self._closed:
            raise StorageServiceError(f"the writer of {self.client.redacted_blob(self.name)} is closed; open a new one")
        block_id = base64.b64encode(f"{self._token}{offset:016x}".encode("ascii")).decode("ascii")
        self.client.stage_block(self.name, block_id, data)
        with self._lock:
            self._blocks[offset] = (block_id, len(data))

    def commit(self) -> None:
        self._closed = True
        position, ids = 0, []  # blocks tile the object: each starts where the one before ended
        for offset in sorted(self._blocks):
            if offset != position:
                break
            block_id, length = self._blocks[offset]
            ids.append(block_id)
            position += length
        if position != self.size:
            raise StorageServiceError(f"{self.client.redacted_blob(self.name)}: {position} of {self.size} bytes were written in order; "
                                      "nothing was committed, copy it again")
        p = self.properties
        headers = BlobHeaders(content_type=p.content_type, content_encoding=p.content_encoding, content_language=p.content_language,
                              content_disposition=p.content_disposition, cache_control=p.cache_control, content_md5=p.content_md5,
                              metadata=p.metadata)
        self.client.commit_block_list(self.name, ids, headers)

    def abort(self) -> None:
        """Nothing to undo: staged blocks are not a blob, and the service drops them."""
        self._closed = True


class BlobContainer:
    """The blobs of ``url`` (a container, or the virtual directory ``url.path`` in it), through ``client``."""

    kind = "Blob"
    features = BLOB_FEATURES

    def __init__(self, url: BlobUrl, client: BlobTransferClient) -> None:
        self.url, self.client = url, client
        self.base = url.path + "/" if url.path and not url.path.endswith("/") else url.path

    @property
    def display(self) -> str:
        return self.url.redacted

    def close(self) -> None:
        self.client.close()

    # --- Lister ---------------------------------------------------------------------------------------------------
    def list(self, prefix: str = "") -> Iterator[Entry]:
        drop = len(self.base)
        for blob in self.client.list_blobs(self.base + prefix):
            yield Entry(blob.name[drop:], blob.size, blob.last_modified, blob.content_md5, etag=blob.etag, blob_type=blob.blob_type,
                        properties=Properties(content_type=blob.content_type, content_md5=blob.content_md5))

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
                     properties=properties, etag=headers.get("ETag") or "", blob_type=headers.get("x-ms-blob-type") or "BlockBlob")

    # --- Source ---------------------------------------------------------------------------------------------------
    def read_into(self, name: str, offset: int, buffer: memoryview) -> int:
        if not len(buffer):
            return 0
        return self.client.download_range(self.base + name, offset, len(buffer), BufferFiller(buffer))

    # --- Destination ----------------------------------------------------------------------------------------------
    def open_writer(self, name: str, size: int, properties: Properties = Properties()) -> BlobWriter:
        if properties.last_modified is not None:
            raise UnsupportedOperation("a blob's last-modified time is the service's; leave it out for a Blob destination")
        return BlobWriter(self.client, self.base + name, size, properties)

    def delete(self, name: str) -> bool:
        return self.client.delete_blob(self.base + name)

    def set_properties(self, name: str, properties: Properties) -> None:
        if properties.last_modified is not None:
            raise UnsupportedOperation("a blob's last-modified time is the service's; leave it out for a Blob destination")
        headers = {header: getattr(properties, field) for field, _, header in _HEADERS if getattr(properties, field)}
        if properties.content_md5:
            headers["x-ms-blob-content-md5"] = base64.b64encode(properties.content_md5).decode("ascii")
        self.client.set_properties(self.base + name, headers, properties.metadata)
