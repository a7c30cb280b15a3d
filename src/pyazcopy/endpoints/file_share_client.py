"""Azure Files' data path: the REST requests of a share's directories and files, on the lean transport
(``lean_http``: ``http.client``, one kept-alive connection per worker thread), as Blob's data path is.

Signed in, every request carries ``x-ms-file-request-intent: backup`` (Azure refuses a bearer token on file data
without it, and AzCopy sends it whenever it uses a token for Files); a SAS request never does. Tokens go only to the
share's own origin over https. Retries are the caller's: every failure is raised at once, through
:func:`pyazcopy.endpoints.storage_errors.storage_error` (the same role-naming messages as Blob, with the File Data
Privileged roles).
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import quote, unquote, urlsplit

from pyazcopy.endpoints.blob_transfer import parse_blob_url
from pyazcopy.endpoints.lean_http import CONNECTION_ERRORS, LeanTransport, client_request_id, http_date_timestamp
from pyazcopy.endpoints.locations import share_name_problem
from pyazcopy.endpoints.storage_errors import TransientStorageError, storage_error
from pyazcopy.errors import ResourceNotFoundError, StorageServiceError, UsageError

API_VERSION = "2025-11-05"  # bearer tokens on file data need 2022-11-02 or later
STORAGE_SCOPE = "https://storage.azure.com/.default"
INTENT_HEADER = "x-ms-file-request-intent"
LIST_PAGE_SIZE = 5000
MAX_RANGE = 4 * 1024 * 1024  # Put Range takes at most 4 MiB


@dataclass(frozen=True)
class FileShareUrl:
    """A share (or a directory in it) split into its parts; ``sas`` is kept out of ``repr`` so it cannot reach a log."""

    account_url: str  # https://acct.file.core.windows.net or https://127.0.0.1:PORT/acct
    share: str
    path: str  # a directory inside the share, unquoted, "" for the root
    sas: str = field(default="", repr=False)

    @property
    def redacted(self) -> str:
        base = f"{self.account_url}/{self.share}" + (f"/{self.path}" if self.path else "")
        return base + ("?<SAS redacted>" if self.sas else "")


def parse_file_url(text: str) -> FileShareUrl:
    """``https://acct.file.core.windows.net/share/dir`` or the path style ``https://127.0.0.1:P/acct/share/dir``; the
    share name is checked by Azure's rules before any request."""
    url = parse_blob_url(text)
    if not url.container:
        raise UsageError(f"{url.account_url} names no file share; write it like https://<account>.file.core.windows.net/<share>[/<directory>]")
    problem = share_name_problem(url.container)
    if problem:
        raise UsageError(f"{problem}; fix the URL")
    return FileShareUrl(url.account_url, url.container, url.path.strip("/"), url.sas)


@dataclass(frozen=True)
class ListedItem:
    name: str  # the name inside its directory
    is_directory: bool
    size: int
    last_modified: float
    etag: str


class FileShareClient:
    """One share's data path, shared by every worker thread. ``credential`` is an azure-core TokenCredential, or None
    when the URL carries a SAS."""

    def __init__(self, url: FileShareUrl, credential: Any = None, connection_verify: Any = True, read_timeout: float = 120.0,
                 proxies: tuple[tuple[str, str], ...] = (), identity: str = "", tenant_id: str = "") -> None:
        self.url, self.identity, self.tenant_id = url, identity, tenant_id
        parts = urlsplit(url.account_url)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._prefix = parts.path.rstrip("/")  # /account on a path-style URL
        self._credential = credential if credential is not None and hasattr(credential, "get_token") else None
        if self._credential is not None and parts.scheme != "https":
            raise UsageError(f"{url.redacted}: OAuth tokens are only sent over https; use an https URL")
        if dict(proxies).get(parts.scheme):
            import urllib.request  # noqa: PLC0415 - only when a proxy is configured

            if not urllib.request.proxy_bypass_environment(parts.hostname or "", dict(proxies)):
                raise UsageError(f"{url.redacted}: Azure Files through a proxy is not supported yet; unset the proxy for this host "
                                 "(NO_PROXY) or copy without it")
        headers = {"x-ms-version": API_VERSION}
        if self._credential is not None:
            headers[INTENT_HEADER] = "backup"  # with a token only: never on SAS requests
        self._lean = LeanTransport(self._origin, self._credential, STORAGE_SCOPE, connection_verify, read_timeout, headers)

    @property
    def sends_intent(self) -> bool:
        return INTENT_HEADER in self._lean.extra_headers

    def close(self) -> None:
        self._lean.close()

    # --- URLs ---------------------------------------------------------------------------------------------------
    def path_of(self, path: str, query: str = "") -> str:
        """The request target (path and query) of ``path`` inside the share."""
        target = f"{self._prefix}/{quote(self.url.share, safe='')}" + (f"/{quote(path, safe='/~')}" if path else "")
        parts = [p for p in (query, self.url.sas) if p]
        return target + ("?" + "&".join(parts) if parts else "")

    def full_url(self, path: str) -> str:
        """The absolute URL of ``path`` (with the SAS: Rename File's source names the file so)."""
        return self._origin + self.path_of(path)

    def redacted(self, path: str) -> str:
        return f"{self.url.account_url}/{self.url.share}" + (f"/{path}" if path else "")

    # --- sending ------------------------------------------------------------------------------------------------
    def _send(self, method: str, path: str, query: str, operation: str, headers: dict[str, str] | None = None, body: Any = None,
              ok: tuple[int, ...] = (200, 201, 202, 206), shown: str = ""):
        """``shown``: the path messages name (a writer's final name, not its temp file)."""
        request_headers = {"x-ms-client-request-id": client_request_id()}
        if headers:
            request_headers.update(headers)
        target = self.redacted(shown or path)
        try:
            response = self._lean.send(method, self.path_of(path, query), request_headers, body)
        except CONNECTION_ERRORS as error:
            raise TransientStorageError(f"{operation} {target}: connection failed ({type(error).__name__}); it will be retried") from None
        if response.status_code in ok:
            return response
        try:
            text = response.read() if method != "HEAD" else b""
        except CONNECTION_ERRORS:
            text = b""
        response.close()
        raise storage_error(operation, target, response.status_code, response.headers.get("x-ms-error-code"), text, response.headers,
                            self.url.account_url, self.url.share, identity=self.identity if self._credential else "", tenant_id=self.tenant_id,
                            sas=self.url.sas, service="file")

    def _done(self, method: str, path: str, query: str, operation: str, headers: dict[str, str] | None = None, body: Any = None,
              shown: str = ""):
        response = self._send(method, path, query, operation, headers, body, shown=shown)
        response.read()
        response.close()
        return response

    # --- directories --------------------------------------------------------------------------------------------
    def list_directory(self, path: str, prefix: str = "") -> Iterator[ListedItem]:
        """The files and directories directly in directory ``path``, page by page, in the service's order."""
        marker = ""
        while True:
            query = f"restype=directory&comp=list&include=Timestamps,ETag&maxresults={LIST_PAGE_SIZE}"
            if prefix:
                query += "&prefix=" + quote(prefix, safe="")
            if marker:
                query += "&marker=" + quote(marker, safe="")
            response = self._send("GET", path, query, "list files in")
            try:
                root = ET.fromstring(response.read())
            except CONNECTION_ERRORS as error:
                raise TransientStorageError(f"list files in {self.redacted(path)}: connection dropped ({type(error).__name__})") from None
            except ET.ParseError:
                raise TransientStorageError(f"list files in {self.redacted(path)}: the answer was cut short") from None
            finally:
                response.close()
            for item in root.iterfind("Entries/*"):
                name_el = item.find("Name")
                name = (name_el.text or "") if name_el is not None else ""
                if name_el is not None and name_el.get("Encoded") == "true":
                    name = unquote(name)
                properties = item.find("Properties")
                size = int(properties.findtext("Content-Length") or 0) if properties is not None else 0
                modified = http_date_timestamp(properties.findtext("Last-Modified")) if properties is not None else 0.0
                etag = (properties.findtext("Etag") or "") if properties is not None else ""
                yield ListedItem(name, item.tag == "Directory", size, modified, etag)
            marker = root.findtext("NextMarker") or ""
            if not marker:
                return

    def create_directory(self, path: str) -> bool:
        """Create one directory; False when it was already there."""
        try:
            self._done("PUT", path, "restype=directory", "create directory")
            return True
        except StorageServiceError as error:
            if error.error_code == "ResourceAlreadyExists":
                return False
            raise

    # --- files --------------------------------------------------------------------------------------------------
    def head(self, path: str) -> Any:
        """The headers of Get File Properties (``x-ms-meta-*`` included); None when there is no such file."""
        try:
            response = self._send("HEAD", path, "", "get properties of")
        except ResourceNotFoundError:
            return None
        response.close()
        return response.headers

    def create_file(self, path: str, size: int, headers: dict[str, str], shown: str = "") -> None:
        """Create (or replace) the file at ``path`` with ``size`` bytes of zeros and ``headers`` (content headers,
        ``x-ms-content-md5``, ``x-ms-meta-*``)."""
        self._done("PUT", path, "", "create", {**headers, "x-ms-type": "file", "x-ms-content-length": str(size), "Content-Length": "0"}, shown=shown)

    def put_range(self, path: str, offset: int, data: memoryview | bytes, shown: str = "") -> None:
        headers = {"x-ms-write": "update", "x-ms-range": f"bytes={offset}-{offset + len(data) - 1}", "Content-Length": str(len(data))}
        self._done("PUT", path, "comp=range", "upload range to", headers, data, shown=shown)

    def download_range(self, path: str, offset: int, buffer: memoryview) -> int:
        """Fill ``buffer`` from ``offset`` of the file (a ranged Get File); returns the bytes read."""
        length = len(buffer)
        response = self._send("GET", path, "", "download", {"x-ms-range": f"bytes={offset}-{offset + length - 1}"})
        filled = 0
        try:
            while filled < length:
                n = response.readinto(buffer[filled:])
                if not n:
                    break
                filled += n
        except CONNECTION_ERRORS as error:
            raise TransientStorageError(f"download {self.redacted(path)}: connection dropped ({type(error).__name__})") from None
        finally:
            response.close()
        if filled != length:
            raise TransientStorageError(f"download {self.redacted(path)}: got {filled} of {length} bytes")
        return filled

    def rename(self, source: str, target: str, replace: bool = True) -> None:
        """Rename File: ``source`` becomes ``target`` in one step (an existing file there is replaced when ``replace``)."""
        headers = {"x-ms-file-rename-source": self.full_url(source), "x-ms-file-rename-replace-if-exists": "true" if replace else "false"}
        self._done("PUT", target, "comp=rename", "commit (rename into place)", headers)

    def delete_file(self, path: str, shown: str = "") -> bool:
        try:
            self._done("DELETE", path, "", "delete", shown=shown)
            return True
        except ResourceNotFoundError:
            return False

    def set_properties(self, path: str, headers: dict[str, str], metadata: tuple[tuple[str, str], ...]) -> None:
        """Set File Properties with ``headers`` (``x-ms-content-*``, ``x-ms-cache-control``; what is not sent is
        cleared), then Set File Metadata: both replace what the file had."""
        self._done("PUT", path, "comp=properties", "set properties of", headers)
        self._done("PUT", path, "comp=metadata", "set metadata of", {f"x-ms-meta-{key}": value for key, value in metadata})


def md5_header(md5: bytes) -> str:
    return base64.b64encode(md5).decode("ascii")
