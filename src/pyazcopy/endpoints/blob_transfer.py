"""Blob storage's data path for transfers: list, HEAD, Put Blob, Put Block, Put Block List, ranged GET.

A lean REST client (the design allows one on the hot path): requests go through ``lean_http`` (``http.client``, one
kept-alive connection per worker thread), or, behind a proxy, through azure-core's pipeline on ``requests``, which
is imported only then (it costs 0.2 s of start-up). The credential is an azure-core ``TokenCredential`` (sent as
azure-core's ``BearerTokenCredentialPolicy`` would), a SAS already in the URL, or nothing (public).
Retries are the engine's job, so every failure is raised at once: :class:`TransientStorageError` for what is worth
retrying (408, 429, 500, 502, 503, 504, dropped connections), a :mod:`pyazcopy.errors` storage error otherwise.
Buffers are sent as ``memoryview`` slices, so the engine can reuse them; downloads are streamed to a writer.
"""

from __future__ import annotations

import base64
import ipaddress
import mmap
import sys
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator
from urllib.parse import quote, unquote, urlsplit

from pyazcopy.endpoints.copy_source import CopySourceError, copy_source_headers, redacted_url
from pyazcopy.endpoints.lean_http import CONNECTION_ERRORS, LeanResponse, LeanTransport, MeteredBody, client_request_id, http_date_timestamp
from pyazcopy.endpoints.locations import check_port
from pyazcopy.endpoints.storage_errors import RETRYABLE_STATUS, TransientStorageError, storage_error  # noqa: F401 - re-exported
from pyazcopy.errors import (
    AuthenticationFailedError,
    PermissionMismatchError,
    ResourceExistsError,
    ResourceNotFoundError,
    StorageServiceError,
    UsageError,
)

API_VERSION = "2025-11-05"
STORAGE_SCOPE = "https://storage.azure.com/.default"
LIST_PAGE_SIZE = 5000
READ_BUFFER_SIZE = 1024 * 1024


class BlobExistsError(ResourceExistsError):
    """The destination blob exists and the copy was told not to overwrite it."""


@dataclass(frozen=True)
class BlobUrl:
    """A blob URL split into its parts; ``sas`` is kept out of ``repr`` so it cannot reach a log."""

    account_url: str  # https://acct.blob.core.windows.net or https://127.0.0.1:PORT/acct
    container: str
    path: str  # blob name or virtual directory, unquoted, may be ""
    sas: str = field(default="", repr=False)

    @property
    def redacted(self) -> str:
        base = f"{self.account_url}/{self.container}" + (f"/{self.path}" if self.path else "")
        return base + ("?<SAS redacted>" if self.sas else "")

    def with_sas(self, sas: str) -> "BlobUrl":
        return BlobUrl(self.account_url, self.container, self.path, sas.lstrip("?"))


def _path_style(host: str) -> bool:
    name = host.rsplit(":", 1)[0].strip("[]") if host.count(":") <= 1 or host.startswith("[") else host
    if name == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def is_blob_url(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def parse_blob_url(url: str) -> BlobUrl:
    """Both URL shapes: ``https://acct.blob.core.windows.net/c/p`` and path style ``https://127.0.0.1:P/acct/c/p``."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise UsageError(f"{url.split('?')[0]!r} is not a storage URL; write it like https://account.blob.core.windows.net/container/path")
    check_port(parts, url)
    segments = parts.path.lstrip("/").split("/", 2 if _path_style(parts.netloc) else 1)
    if _path_style(parts.netloc):
        account = segments[0]
        rest = segments[1:]
        account_url = f"{parts.scheme}://{parts.netloc}/{account}"
    else:
        rest = segments
        account_url = f"{parts.scheme}://{parts.netloc}"
    container = unquote(rest[0]) if rest and rest[0] else ""
    path = unquote(rest[1]) if len(rest) > 1 else ""
    return BlobUrl(account_url, container, path, parts.query)


@dataclass(frozen=True)
class RemoteBlob:
    relative_path: str  # relative to the listing prefix
    name: str  # full blob name in the container
    size: int
    last_modified: float  # seconds since the epoch
    content_md5: bytes = b""
    blob_type: str = "BlockBlob"
    content_type: str = ""
    etag: str = ""


@dataclass(frozen=True)
class BlobHeaders:
    """What a new blob carries besides its bytes."""

    blob_type: str = "BlockBlob"
    content_type: str = ""
    content_encoding: str = ""
    content_language: str = ""
    content_disposition: str = ""
    cache_control: str = ""
    content_md5: bytes = b""
    metadata: tuple[tuple[str, str], ...] = ()
    tier: str = ""

    def as_http(self) -> dict[str, str]:
        headers = {}
        for key, value in (
            ("x-ms-blob-content-type", self.content_type),
            ("x-ms-blob-content-encoding", self.content_encoding),
            ("x-ms-blob-content-language", self.content_language),
            ("x-ms-blob-content-disposition", self.content_disposition),
            ("x-ms-blob-cache-control", self.cache_control),
            ("x-ms-access-tier", self.tier),
        ):
            if value:
                headers[key] = value
        if self.content_md5:
            headers["x-ms-blob-content-md5"] = base64.b64encode(self.content_md5).decode("ascii")
        for key, value in self.metadata:
            headers[f"x-ms-meta-{key}"] = value
        return headers


class BlobTransferClient:
    """One container's data path, shared by every worker thread (one connection pool of ``pool_size``)."""

    def __init__(self, url: BlobUrl, credential: Any = None, pool_size: int = 32, connection_verify: Any = True,
                 read_timeout: float = 120.0, proxies: tuple[tuple[str, str], ...] = (), identity: str = "", tenant_id: str = "") -> None:
        """``connection_verify``: a CA bundle path, True (the system's trust store) or False; ``proxies``: pairs like
        ("https", "http://proxy:3128"), ("no", "localhost") as ``settings.proxies_from`` reads them. ``identity`` and
        ``tenant_id`` name who is signed in, for the messages of refused requests. Nothing here reads the environment."""
        self.url = url
        self.identity, self.tenant_id = identity, tenant_id
        parts = urlsplit(url.account_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._credential = credential if credential is not None and hasattr(credential, "get_token") else None
        if self._credential is not None and parts.scheme != "https":
            raise UsageError(f"{url.redacted}: OAuth tokens are only sent over https; use an https URL")
        self._verify = connection_verify
        self._pool_size, self._read_timeout = pool_size, read_timeout
        proxy_map = dict(proxies)
        self._proxy = proxy_map.get(parts.scheme, "")
        if self._proxy:
            import urllib.request  # noqa: PLC0415 - only behind a proxy (its import costs 10-15 ms of every start-up)

            if urllib.request.proxy_bypass_environment(parts.hostname or "", proxy_map):
                self._proxy = ""
        self._pipeline_parts: tuple[Any, Any] | None = None  # (PipelineClient, requests.Session), made on first use
        self._pipeline_lock = threading.Lock()
        self._buffers = threading.local()  # one read buffer per worker thread, reused for every download
        # the hot path: http.client, one kept-alive connection per worker thread (lean_http.py says why); azure-core's
        # pipeline stays for a proxy (the lean path does not speak to proxies)
        self._lean = None if self._proxy else LeanTransport(self._origin, self._credential, STORAGE_SCOPE, connection_verify, read_timeout,
                                                            {"x-ms-version": API_VERSION})

    def _pipeline(self):
        """azure-core's pipeline on ``requests`` (for a proxy, or a URL on another origin), built on first use."""
        with self._pipeline_lock:
            if self._pipeline_parts is None:
                import requests  # noqa: PLC0415 - 0.2 s of imports that the lean path does not need
                from azure.core import PipelineClient  # noqa: PLC0415
                from azure.core.pipeline.policies import BearerTokenCredentialPolicy, HeadersPolicy  # noqa: PLC0415
                from azure.core.pipeline.transport import RequestsTransport  # noqa: PLC0415

                session = requests.Session()
                # requests re-reads the proxy and CA variables from os.environ on every request (about 1.5 ms each
                # here); they were read once above, so the per-request lookup is off
                session.trust_env = False
                if self._proxy:
                    session.proxies.update({urlsplit(self._origin).scheme: self._proxy})
                adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=self._pool_size, max_retries=0)
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                transport = RequestsTransport(session=session, session_owner=False, connection_timeout=30,
                                              read_timeout=self._read_timeout, connection_data_block_size=1024 * 1024)
                policies: list[Any] = [HeadersPolicy({"x-ms-version": API_VERSION})]
                if self._credential is not None:
                    policies.append(BearerTokenCredentialPolicy(self._credential, STORAGE_SCOPE))
                self._pipeline_parts = (PipelineClient(self.url.account_url, policies=policies, transport=transport), session)
            return self._pipeline_parts[0]

    def close(self) -> None:
        if self._lean is not None:
            self._lean.close()
        if self._pipeline_parts is not None:
            self._pipeline_parts[0].close()
            self._pipeline_parts[1].close()

    # --- URLs ---------------------------------------------------------------------------------------------------
    def _container_url(self, query: str) -> str:
        return self._join(f"{self.url.account_url}/{quote(self.url.container, safe='')}", query)

    def blob_url(self, name: str, query: str = "") -> str:
        return self._join(f"{self.url.account_url}/{quote(self.url.container, safe='')}/{quote(name, safe='/~')}", query)

    def _join(self, base: str, query: str) -> str:
        parts = [p for p in (query, self.url.sas) if p]
        return base + ("?" + "&".join(parts) if parts else "")

    def redacted_blob(self, name: str) -> str:
        return f"{self.url.account_url}/{self.url.container}/{name}"

    # --- sending ------------------------------------------------------------------------------------------------
    def _send(self, method: str, url: str, operation: str, target: str, headers: dict[str, str] | None = None,
              content: Any = None, stream: bool = False, ok: tuple[int, ...] = (200, 201, 202, 206)):
        request_headers = {"x-ms-client-request-id": client_request_id()}
        if headers:
            request_headers.update(headers)
        try:
            if self._lean is not None and url.startswith(self._origin):
                response = self._lean.send(method, url[len(self._origin):] or "/", request_headers, content)
            else:
                from azure.core.rest import HttpRequest  # noqa: PLC0415

                response = self._pipeline().send_request(HttpRequest(method, url, headers=request_headers, content=content), stream=stream,
                                                         connection_verify=self._verify)
        except CONNECTION_ERRORS as error:
            raise TransientStorageError(f"{operation} {target}: connection failed ({type(error).__name__}); it will be retried") from None
        except pipeline_connection_errors() as error:
            raise TransientStorageError(f"{operation} {target}: connection failed ({type(error).__name__}); it will be retried") from None
        except pipeline_errors() as error:
            raise TransientStorageError(f"{operation} {target}: {type(error).__name__}") from None
        if response.status_code in ok:
            return response
        try:
            body = response.read() if method != "HEAD" else b""
        except Exception:  # noqa: BLE001 - the body of an error is best effort
            body = b""
        response.close()
        raise storage_error(operation, target, response.status_code, response.headers.get("x-ms-error-code"), body,
                            response.headers, self.url.account_url, self.url.container, identity=self.identity if self._credential else "",
                            tenant_id=self.tenant_id, sas=self.url.sas)

    # --- container ----------------------------------------------------------------------------------------------
    def create_container_if_missing(self) -> bool:
        """Create the container; False when it was already there (AzCopy creates a missing destination container)."""
        try:
            self._send("PUT", self._container_url("restype=container"), "create container", self.url.redacted)
            return True
        except ResourceExistsError:
            return False
        except (PermissionMismatchError, AuthenticationFailedError):
            # a SAS for one container, or a role on the container only, may not allow creating it: go on and let the
            # first write say what is missing
            return False

    def list_blobs(self, prefix: str, recursive: bool = True, retry: Callable[[Callable[[], Any]], Any] = lambda fn: fn()) -> Iterator[RemoteBlob]:
        """Stream the blobs under ``prefix`` page by page (5,000 a page); ``relative_path`` drops the prefix.

        ``retry`` wraps the request of each page (the engine passes its retry policy)."""
        marker = ""
        while True:
            query = f"restype=container&comp=list&maxresults={LIST_PAGE_SIZE}"
            if prefix:
                query += "&prefix=" + quote(prefix, safe="")
            if not recursive:
                query += "&delimiter=%2F"
            if marker:
                query += "&marker=" + quote(marker, safe="")
            root = retry(lambda: self._list_page(query))
            for blob in root.iterfind("Blobs/Blob"):
                name_el = blob.find("Name")
                name = name_el.text or ""
                if name_el.get("Encoded") == "true":
                    name = unquote(name)
                props = blob.find("Properties")
                size = int(props.findtext("Content-Length") or 0)
                md5 = props.findtext("Content-MD5") or ""
                meta = blob.find("Metadata")
                if size == 0 and meta is not None and (meta.findtext("hdi_isfolder") or "").lower() == "true":
                    continue  # a folder marker of Data Lake, not a file
                yield RemoteBlob(
                    relative_path=name[len(prefix):],
                    name=name,
                    size=size,
                    last_modified=http_date_timestamp(props.findtext("Last-Modified")),
                    content_md5=base64.b64decode(md5) if md5 else b"",
                    blob_type=props.findtext("BlobType") or "BlockBlob",
                    content_type=props.findtext("Content-Type") or "",
                    etag=props.findtext("Etag") or "",
                )
            marker = root.findtext("NextMarker") or ""
            if not marker:
                return

    def _list_page(self, query: str) -> ET.Element:
        response = self._send("GET", self._container_url(query), "list blobs", self.url.redacted, stream=True)
        try:
            return ET.fromstring(response.read())
        except (*CONNECTION_ERRORS, *pipeline_connection_errors()) as error:
            raise TransientStorageError(f"list blobs {self.url.redacted}: connection dropped ({type(error).__name__})") from None
        except ET.ParseError:
            raise TransientStorageError(f"list blobs {self.url.redacted}: the answer was cut short") from None
        finally:
            response.close()

    # --- one blob -----------------------------------------------------------------------------------------------
    def get_properties(self, name: str) -> RemoteBlob | None:
        try:
            response = self._send("HEAD", self.blob_url(name), "get properties of", self.redacted_blob(name))
        except ResourceNotFoundError:
            return None
        h = response.headers
        md5 = h.get("Content-MD5") or ""
        response.close()
        return RemoteBlob(name.rsplit("/", 1)[-1], name, int(h.get("Content-Length") or 0), http_date_timestamp(h.get("Last-Modified")),
                          base64.b64decode(md5) if md5 else b"", h.get("x-ms-blob-type") or "BlockBlob", h.get("Content-Type") or "",
                          h.get("ETag") or "")

    def head(self, name: str) -> Any:
        """The headers of Get Blob Properties (``x-ms-meta-*`` included), None when there is no such blob."""
        try:
            response = self._send("HEAD", self.blob_url(name), "get properties of", self.redacted_blob(name))
        except ResourceNotFoundError:
            return None
        response.close()
        return response.headers

    def set_properties(self, name: str, headers: dict[str, str], metadata: tuple[tuple[str, str], ...]) -> None:
        """Set Blob Properties with ``headers`` (``x-ms-blob-content-*``, ``x-ms-blob-cache-control``), then Set Blob
        Metadata: both replace what the blob had."""
        self._write("PUT", self.blob_url(name, "comp=properties"), "set properties of", name, {**headers, "Content-Length": "0"}, b"")
        meta = {f"x-ms-meta-{key}": value for key, value in metadata}
        self._write("PUT", self.blob_url(name, "comp=metadata"), "set metadata of", name, {**meta, "Content-Length": "0"}, b"")

    def put_blob(self, name: str, data: memoryview | bytes, headers: BlobHeaders, overwrite: bool = True,
                 progress: Callable[[int], None] | None = None) -> None:
        """``progress`` is called with each piece's size just before the piece is sent (see :class:`MeteredBody`)."""
        http = headers.as_http()
        http.update({"x-ms-blob-type": "BlockBlob", "Content-Length": str(len(data))})
        if not overwrite:
            http["If-None-Match"] = "*"
        self._write("PUT", self.blob_url(name), "upload", name, http, data, progress)

    def stage_block(self, name: str, block_id: str, data: memoryview | bytes, progress: Callable[[int], None] | None = None) -> None:
        query = "comp=block&blockid=" + quote(block_id, safe="")
        self._write("PUT", self.blob_url(name, query), "upload block to", name, {"Content-Length": str(len(data))}, data, progress)

    def commit_block_list(self, name: str, block_ids: list[str], headers: BlobHeaders, overwrite: bool = True) -> None:
        body = ('<?xml version="1.0" encoding="utf-8"?><BlockList>'
                + "".join(f"<Latest>{b}</Latest>" for b in block_ids) + "</BlockList>").encode("ascii")
        http = headers.as_http()
        http.update({"Content-Type": "application/xml", "Content-Length": str(len(body))})
        if not overwrite:
            http["If-None-Match"] = "*"
        self._write("PUT", self.blob_url(name, "comp=blocklist"), "commit blocks of", name, http, body)

    def uncommitted_blocks(self, name: str) -> dict[str, int]:
        """The staged, not yet committed blocks of a blob (id -> size); empty when the blob has none."""
        try:
            response = self._send("GET", self.blob_url(name, "comp=blocklist&blocklisttype=uncommitted"), "get block list of",
                                  self.redacted_blob(name))
        except ResourceNotFoundError:
            return {}
        root = ET.fromstring(response.read())
        response.close()
        return {b.findtext("Name") or "": int(b.findtext("Size") or 0) for b in root.iterfind("UncommittedBlocks/Block")}

    def delete_blob(self, name: str) -> bool:
        """Delete a blob (with its snapshots); False when it was not there."""
        try:
            response = self._send("DELETE", self.blob_url(name), "delete", self.redacted_blob(name), {"x-ms-delete-snapshots": "include"})
        except ResourceNotFoundError:
            return False
        response.read()
        response.close()
        return True

    def create_special_blob(self, name: str, blob_type: str, size: int, headers: BlobHeaders) -> None:
        """Create an empty Page Blob of ``size`` bytes or an Append Blob, to be filled by :meth:`write_pages`/`append`."""
        http = headers.as_http()
        http.update({"x-ms-blob-type": blob_type, "Content-Length": "0"})
        if blob_type == "PageBlob":
            http["x-ms-blob-content-length"] = str(size)
        self._write("PUT", self.blob_url(name), "create", name, http, b"")

    def write_pages(self, name: str, offset: int, data: memoryview | bytes) -> None:
        http = {"x-ms-page-write": "update", "x-ms-range": f"bytes={offset}-{offset + len(data) - 1}", "Content-Length": str(len(data))}
        self._write("PUT", self.blob_url(name, "comp=page"), "write pages of", name, http, data)

    def append_block(self, name: str, offset: int, data: memoryview | bytes) -> None:
        http = {"x-ms-blob-condition-appendpos": str(offset), "Content-Length": str(len(data))}
        self._write("PUT", self.blob_url(name, "comp=appendblock"), "append to", name, http, data)

    # --- service to service: the service reads the source itself ----------------------------------------------
    def put_blob_from_url(self, name: str, source_url: str, headers: BlobHeaders, overwrite: bool = True, trusted: Callable[[str], bool] | None = None,
                          source_etag: str = "", copy_source_properties: bool = True) -> None:
        """Put Blob From URL: the service copies the whole source (up to 5000 MiB) into block blob ``name``; no byte
        passes through this process. ``headers`` set the new blob's properties and metadata (the service copies the
        source's content properties unless ``copy_source_properties`` is False, never its metadata)."""
        http = headers.as_http()
        http.update(copy_source_headers(source_url, self._credential, self._origin, trusted, source_etag=source_etag))
        http.update({"x-ms-blob-type": "BlockBlob", "Content-Length": "0"})
        if not copy_source_properties:
            http["x-ms-copy-source-blob-properties"] = "false"
        if not overwrite:
            http["If-None-Match"] = "*"
        self._write_from_url(self.blob_url(name), "copy to", name, http, source_url)

    def stage_block_from_url(self, name: str, block_id: str, source_url: str, offset: int, length: int,
                             trusted: Callable[[str], bool] | None = None, source_etag: str = "") -> None:
        """Put Block From URL: the service stages ``length`` bytes of the source from ``offset`` as block ``block_id``
        of ``name`` (commit them with :meth:`commit_block_list`)."""
        http = copy_source_headers(source_url, self._credential, self._origin, trusted, (offset, length), source_etag)
        http["Content-Length"] = "0"
        query = "comp=block&blockid=" + quote(block_id, safe="")
        self._write_from_url(self.blob_url(name, query), "copy block to", name, http, source_url)

    def _write_from_url(self, url: str, operation: str, name: str, headers: dict[str, str], source_url: str) -> None:
        try:
            self._write("PUT", url, operation, name, headers, b"")
        except StorageServiceError as error:
            if error.error_code != "CannotVerifyCopySource":
                raise
            hint = {401: "it needs a SAS, or a sign-in it accepts (is the source host in PYAZCOPY_TRUSTED_ENDPOINTS?)",
                    403: "the identity or SAS used for the source needs read on it (e.g. the Storage Blob Data Reader role on the source account or container)",
                    404: "it does not exist, or the identity used for the source may not see it"}.get(error.status or 0, "")
            raise CopySourceError(f"{operation} {self.redacted_blob(name)} failed: the source {redacted_url(source_url)} refused the read "
                                  f"({error.status}){': ' + hint if hint else ''}. Nothing was written.", error.status, error.error_code) from None

    def _write(self, method: str, url: str, operation: str, name: str, headers: dict[str, str], data,
               progress: Callable[[int], None] | None = None) -> None:
        if progress is not None:
            if self._lean is not None and url.startswith(self._origin):
                data = MeteredBody(data, progress)  # counted piece by piece as http.client sends it
            else:
                progress(len(data))  # azure-core's pipeline sends the buffer whole
        try:
            response = self._send(method, url, operation, self.redacted_blob(name), headers, data)
        except ResourceExistsError as error:
            raise BlobExistsError(f"{self.redacted_blob(name)} already exists and --overwrite is false", error.status, error.error_code) from None
        except StorageServiceError as error:
            if error.status == 412 and headers.get("If-None-Match") == "*":
                raise BlobExistsError(f"{self.redacted_blob(name)} already exists and --overwrite is false", 412, error.error_code) from None
            raise
        response.read()
        response.close()

    def _read_buffer(self) -> memoryview:
        buffer = getattr(self._buffers, "buffer", None)
        if buffer is None:
            # one buffer per thread for all its downloads: fresh memory is expensive on these VMs (docs/PERFORMANCE.md)
            buffer = self._buffers.buffer = memoryview(mmap.mmap(-1, READ_BUFFER_SIZE))
        return buffer

    def download_range(self, name: str, offset: int, length: int, writer, if_match: str = "") -> int:
        """Stream ``length`` bytes from ``offset`` into ``writer.write``; returns the bytes written.

        ``if_match`` (the ETag seen when the job was planned) makes the service refuse (412) if the blob changed since,
        so a file is never assembled from two versions of a blob."""
        headers = {"x-ms-range": f"bytes={offset}-{offset + length - 1}"} if length else {}
        if if_match:
            headers["If-Match"] = if_match
        response = self._send("GET", self.blob_url(name), "download", self.redacted_blob(name), headers, stream=True)
        written = 0
        try:
            if isinstance(response, LeanResponse):  # read into this thread's reusable buffer: no allocation per piece
                buffer = self._read_buffer()
                while True:
                    try:
                        n = response.readinto(buffer)
                    except CONNECTION_ERRORS as error:
                        raise TransientStorageError(f"download {self.redacted_blob(name)}: connection dropped ({type(error).__name__})") from None
                    if not n:
                        break
                    writer.write(buffer[:n])
                    written += n
            else:
                for piece in response.iter_bytes():
                    writer.write(piece)
                    written += len(piece)
        except (ConnectionError, *pipeline_connection_errors()) as error:
            raise TransientStorageError(f"download {self.redacted_blob(name)}: connection dropped ({type(error).__name__})") from None
        except pipeline_errors() as error:
            raise TransientStorageError(f"download {self.redacted_blob(name)}: {type(error).__name__}") from None
        finally:
            response.close()
        if written != length and length:
            raise TransientStorageError(f"download {self.redacted_blob(name)}: got {written} of {length} bytes")
        return written


def pipeline_connection_errors() -> tuple[type[BaseException], ...]:
    """What azure-core's pipeline raises for a failed connection; () until the pipeline was imported (an ``except``
    clause evaluates this only while an exception is being handled, so the lean path never imports azure-core)."""
    if "azure.core.exceptions" not in sys.modules or "requests" not in sys.modules:
        return ()
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError  # noqa: PLC0415
    from requests import RequestException  # noqa: PLC0415

    return (ServiceRequestError, ServiceResponseError, RequestException)


def pipeline_errors() -> tuple[type[BaseException], ...]:
    if "azure.core.exceptions" not in sys.modules:
        return ()
    from azure.core.exceptions import AzureError  # noqa: PLC0415

    return (AzureError,)
