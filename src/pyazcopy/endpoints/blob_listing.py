"""`list` on the copy engine's lean REST path: List Containers, List Blobs and Get Blob Properties over
:mod:`pyazcopy.endpoints.lean_http`, parsed with ElementTree into :class:`pyazcopy.model.ListedObject`.

azure-storage-blob's generated XML deserializer was ~70 % of `list`'s CPU (docs/PERFORMANCE.md); this module reuses
:class:`BlobTransferClient`'s transport and credential handling (SAS in the URL, or an azure-core ``TokenCredential``
whose bearer token is renewed as azure-core does) and adds what `list` needs beyond the copy engine's listing: every
property `--properties` can show, versions, the account level (every container), and errors mapped with the signed-in
identity and tenant (the same role-naming messages as before).
"""

from __future__ import annotations

import base64
import queue
import threading
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import SimpleNamespace
from typing import Any, Callable, Iterator
from urllib.parse import quote, unquote

from pyazcopy.endpoints.blob_transfer import API_VERSION, LIST_PAGE_SIZE, RETRYABLE_STATUS, BlobTransferClient, BlobUrl, pipeline_errors
from pyazcopy.endpoints.lean_http import CONNECTION_ERRORS, client_request_id
from pyazcopy.endpoints.retry import RetryPolicy, call_with_retry
from pyazcopy.endpoints.storage_errors import Operation, TransientStorageError, map_storage_error
from pyazcopy.errors import PyAzCopyError, StorageServiceError
from pyazcopy.model import ListedObject, StorageLocation

PAGES_AHEAD = 1  # pages asked for while the current one is parsed and shown

LIST_RETRY = RetryPolicy(max_tries=4, initial_delay=0.8)  # one try and three retries, as azure-storage-blob's policy did


class _Transient(TransientStorageError):
    """A failure worth retrying (a throttling or server status, a dropped connection); ``error`` is what the user
    sees if the last try fails too (the mapped storage error, naming roles)."""

    def __init__(self, message: str, error: PyAzCopyError | None = None) -> None:
        super().__init__(message)
        self.error = error


class BlobListingClient(BlobTransferClient):
    """One account's blob service for `list`. ``credential`` is a TokenCredential, or None when the URL carries a SAS."""

    def __init__(self, location: StorageLocation, credential: Any = None, identity: str = "", tenant_id: str = "",
                 api_version: str = API_VERSION, connection_verify: Any = True, proxies: tuple[tuple[str, str], ...] = (),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(BlobUrl(location.account_url, location.container, location.path, location.sas), credential, pool_size=2,
                         connection_verify=connection_verify, proxies=proxies)
        self.location = location
        self.identity = identity
        self.tenant_id = tenant_id
        self.api_version = api_version
        self._sleep = sleep
        self._dates: dict[str, datetime] = {}

    # --- requests ---------------------------------------------------------------------------------------------
    def _account_url(self, query: str) -> str:
        return self._join(f"{self.url.account_url}/", query)

    def _listing_container_url(self, container: str, query: str) -> str:
        return self._join(f"{self.url.account_url}/{quote(container, safe='')}", query)

    def _blob_url_in(self, container: str, name: str) -> str:
        return self._join(f"{self.url.account_url}/{quote(container, safe='')}/{quote(name, safe='/~')}", "")

    def _request(self, method: str, url: str, ok: tuple[int, ...] = (200,)) -> tuple[int, Any, bytes]:
        """(status, headers, body) of one request, retried on transient failures; other failures raise the mapped
        pyazcopy error (statuses in ``ok`` and 404 are returned)."""
        try:
            return call_with_retry(lambda: self._once(method, url, ok), LIST_RETRY, sleep=self._sleep)
        except _Transient as failure:
            if failure.error is not None:
                raise failure.error from None
            raise StorageServiceError(f"list {self.location.redacted}: {failure}; try again later") from None

    def _once(self, method: str, url: str, ok: tuple[int, ...]) -> tuple[int, Any, bytes]:
        headers = {"x-ms-client-request-id": client_request_id(), "x-ms-version": self.api_version}
        try:
            if self._lean is not None and url.startswith(self._origin):
                response = self._lean.send(method, url[len(self._origin):] or "/", headers)
            else:
                from azure.core.rest import HttpRequest  # noqa: PLC0415 - only behind a proxy

                response = self._pipeline().send_request(HttpRequest(method, url, headers=headers), stream=True, connection_verify=self._verify)
            try:
                body = response.read() if method != "HEAD" else b""
            finally:
                response.close()
        except CONNECTION_ERRORS as error:
            raise _Transient(f"connection failed ({type(error).__name__})") from None
        except pipeline_errors() as error:
            raise _Transient(f"connection failed ({type(error).__name__})") from None
        status = response.status_code
        if status in ok or status == 404 and method == "HEAD":
            return status, response.headers, body
        error = self._error(status, response.headers, body)
        if status in RETRYABLE_STATUS:
            raise _Transient(f"the service answered {status}", error)
        raise error

    def _error(self, status: int, headers: Any, body: bytes) -> PyAzCopyError:
        code = headers.get("x-ms-error-code") or ""
        text = body.decode("utf-8", "replace") if body else ""
        message = ""
        if body:
            try:
                root = ET.fromstring(body)
                code = code or root.findtext("Code") or ""
                message = root.findtext("Message") or ""
                detail = root.findtext("AuthenticationErrorDetail")
                if detail:
                    message += f"\nAuthenticationErrorDetail:{detail}"
            except ET.ParseError:
                message = text
        shim = SimpleNamespace(status_code=status, error_code=code, message=(message or text or f"Operation returned {status}") + (f"\nErrorCode:{code}" if code else ""),
                               response=SimpleNamespace(headers=headers))
        return map_storage_error(shim, Operation.LIST, self.location, self.identity, self.tenant_id)  # type: ignore[arg-type]

    def _date(self, text: str | None) -> datetime | None:
        if not text:
            return None
        value = self._dates.get(text)
        if value is None:
            if len(self._dates) > 4096:
                self._dates.clear()
            value = self._dates[text] = parsedate_to_datetime(text)
        return value

    # --- listing ------------------------------------------------------------------------------------------------
    def container_names(self) -> Iterator[str]:
        marker = ""
        while True:
            query = f"comp=list&maxresults={LIST_PAGE_SIZE}" + ("&marker=" + quote(marker, safe="") if marker else "")
            root = self._xml(self._request("GET", self._account_url(query))[2])
            for name in root.iterfind("Containers/Container/Name"):
                yield name.text or ""
            marker = root.findtext("NextMarker") or ""
            if not marker:
                return

    def _xml(self, body: bytes) -> ET.Element:
        try:
            return ET.fromstring(body)
        except ET.ParseError:
            raise StorageServiceError(f"list {self.location.redacted}: the service's answer was not valid XML; try again") from None

    def blobs(self, container: str, prefix: str, include_versions: bool = False,
              path_of: Callable[[str], str | None] = lambda name: name) -> Iterator[ListedObject]:
        """Every blob whose name starts with ``prefix``; ``path_of(name)`` is the path shown (None: leave it out)."""
        base = f"restype=container&comp=list&maxresults={LIST_PAGE_SIZE}" + ("&include=versions" if include_versions else "")
        if prefix:
            base += "&prefix=" + quote(prefix, safe="")
        date = self._date
        for body in self._pages(lambda marker: self._listing_container_url(container, base + ("&marker=" + quote(marker, safe="") if marker else ""))):
            root = self._xml(body)
            for blob in root.iterfind("Blobs/Blob"):
                name_el = blob.find("Name")
                name = name_el.text or "" if name_el is not None else ""
                if name_el is not None and name_el.get("Encoded") == "true":
                    name = unquote(name)
                path = path_of(name)
                if path is None:
                    continue
                properties = blob.find("Properties")
                fields = {child.tag: child.text for child in properties} if properties is not None else {}
                md5 = fields.get("Content-MD5")
                yield ListedObject(
                    path=path,
                    size=int(fields.get("Content-Length") or 0),
                    last_modified=date(fields.get("Last-Modified")),
                    version_id=blob.findtext("VersionId") or "",
                    blob_type=fields.get("BlobType") or "",
                    access_tier=fields.get("AccessTier") or "",
                    content_type=fields.get("Content-Type") or "",
                    content_encoding=fields.get("Content-Encoding") or "",
                    content_md5=base64.b64decode(md5) if md5 else b"",
                    lease_state=fields.get("LeaseState") or "",
                    lease_status=fields.get("LeaseStatus") or "",
                    lease_duration=fields.get("LeaseDuration") or "",
                    archive_status=fields.get("ArchiveStatus") or "",
                )

    def _pages(self, url_for: Callable[[str], str]) -> Iterator[bytes]:
        """The bodies of a listing's pages in order (``url_for(marker)`` is a page's URL). A thread asks for the next
        page while the caller parses and shows this one: the service's time and the client's overlap."""
        pages: queue.Queue = queue.Queue(maxsize=PAGES_AHEAD)
        stop = threading.Event()

        def put(item: tuple[str, Any]) -> bool:
            while not stop.is_set():
                try:
                    pages.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def fetch() -> None:
            marker = ""
            try:
                while not stop.is_set():
                    body = self._request("GET", url_for(marker))[2]
                    marker = _next_marker(body)
                    if not put(("page", body)) or not marker:
                        break
                put(("end", None))
            except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, raised there
                put(("error", error))

        thread = threading.Thread(target=fetch, name="pyazcopy-list-pages", daemon=True)
        thread.start()
        try:
            while True:
                kind, value = pages.get()
                if kind == "page":
                    yield value
                elif kind == "end":
                    return
                else:
                    raise value
        finally:
            stop.set()

    def blob_properties(self, container: str, name: str, path: str) -> ListedObject | None:
        """Get Blob Properties as a ListedObject shown as ``path``, None when there is no such blob."""
        status, h, _ = self._request("HEAD", self._blob_url_in(container, name))
        if status == 404:
            return None
        md5 = h.get("Content-MD5")
        return ListedObject(
            path=path,
            size=int(h.get("Content-Length") or 0),
            last_modified=self._date(h.get("Last-Modified")),
            version_id=h.get("x-ms-version-id") or "",
            blob_type=h.get("x-ms-blob-type") or "",
            access_tier=h.get("x-ms-access-tier") or "",
            content_type=h.get("Content-Type") or "",
            content_encoding=h.get("Content-Encoding") or "",
            content_md5=base64.b64decode(md5) if md5 else b"",
            lease_state=h.get("x-ms-lease-state") or "",
            lease_status=h.get("x-ms-lease-status") or "",
            lease_duration=h.get("x-ms-lease-duration") or "",
            archive_status=h.get("x-ms-archive-status") or "",
        )


def _next_marker(body: bytes) -> str:
    """NextMarker of a List Blobs page, read from the end of the body without parsing the page."""
    start = body.rfind(b"<NextMarker")
    if start < 0:
        return ""
    end = body.find(b"</NextMarker>", start)
    try:
        return ET.fromstring(body[start:end + len(b"</NextMarker>")] if end >= 0 else body[start:body.index(b">", start) + 1]).text or ""
    except (ET.ParseError, ValueError):
        return ""


def list_location(location: StorageLocation, credential: Any = None, identity: str = "", tenant_id: str = "",
                  include_versions: bool = False, api_version: str = API_VERSION, connection_verify: Any = True,
                  proxies: tuple[tuple[str, str], ...] = ()) -> Iterator[ListedObject]:
    """Every blob under ``location``, with paths as AzCopy's `list` shows them: relative to the listed prefix (a
    single blob: its base name; its versions: its full name), prefixed with the container's name when the whole
    account is listed. ``connection_verify`` (a CA bundle path, True or False) and ``proxies`` are the settings' values
    (nothing here reads the environment)."""
    client = BlobListingClient(location, credential, identity, tenant_id, api_version, connection_verify, proxies)
    try:
        if not location.container:
            for container in list(client.container_names()):
                shown = container + "/"
                yield from client.blobs(container, "", include_versions, lambda name: shown + name)
            return
        container, path = location.container, location.path
        if path and not path.endswith("/"):
            found = client.blob_properties(container, path, path.rsplit("/", 1)[-1])
            if found is not None and not include_versions:
                yield found
                return
            if found is not None:
                exact = path
                yield from client.blobs(container, exact, True, lambda name: name if name == exact else None)
                return
            path += "/"
        drop = len(path)
        yield from client.blobs(container, path, include_versions, (lambda name: name[drop:]) if drop else (lambda name: name))
    finally:
        client.close()
