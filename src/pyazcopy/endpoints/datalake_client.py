"""The dfs REST API of an account with a hierarchical namespace (Azure Data Lake Storage), on the lean data path.

One filesystem's requests: Path - List (one directory at a time, page by page with continuation), Get Properties,
Read with ranges, Create, Append at positions, Flush, Rename, Delete and Update (setProperties). Requests go through
:mod:`pyazcopy.endpoints.lean_http` as Blob's data path does (``blob_transfer.py``): one kept-alive connection per
worker thread, the credential's token or the URL's SAS. Retries are the caller's (``endpoints/retry.py``): failures
are raised at once, :class:`TransientStorageError` for what is worth retrying, else an error of
:mod:`pyazcopy.errors` whose message says what to do (``datalake_errors.py`` names roles and ACL entries).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import quote, urlsplit

from pyazcopy.endpoints.blob_transfer import API_VERSION, STORAGE_SCOPE, BlobUrl
from pyazcopy.endpoints.datalake_errors import Need, dfs_error
from pyazcopy.endpoints.lean_http import CONNECTION_ERRORS, LeanResponse, LeanTransport, client_request_id, http_date_timestamp
from pyazcopy.endpoints.storage_errors import TransientStorageError
from pyazcopy.errors import ResourceNotFoundError, UsageError

LIST_PAGE_SIZE = 5000
CONTENT_HEADERS = (("content_type", "Content-Type", "x-ms-content-type"), ("content_encoding", "Content-Encoding", "x-ms-content-encoding"),
                   ("content_language", "Content-Language", "x-ms-content-language"),
                   ("content_disposition", "Content-Disposition", "x-ms-content-disposition"),
                   ("cache_control", "Cache-Control", "x-ms-cache-control"))


@dataclass(frozen=True)
class PathItem:
    """One entry of Path - List: ``name`` is the full path in the filesystem."""

    name: str
    is_directory: bool
    size: int
    last_modified: float
    etag: str = ""


def encode_properties(metadata: tuple[tuple[str, str], ...]) -> str:
    """``x-ms-properties``: ``name=base64(value)`` pairs, comma-separated."""
    return ",".join(f"{key}={base64.b64encode(value.encode('utf-8')).decode('ascii')}" for key, value in metadata)


def decode_properties(text: str | None) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in (text or "").split(","):
        key, sep, value = item.strip().partition("=")
        if sep and key:
            pairs.append((key, base64.b64decode(value).decode("utf-8", "replace")))
    return tuple(sorted(pairs))


class DataLakeClient:
    """The paths of one filesystem (``url.container``) through the dfs endpoint ``url.account_url``; thread-safe."""

    def __init__(self, url: BlobUrl, credential: Any = None, connection_verify: Any = True, read_timeout: float = 120.0,
                 identity: str = "", tenant_id: str = "", proxies: tuple[tuple[str, str], ...] = ()) -> None:
        """``proxies`` as ``settings.proxies_from`` reads them: one that applies to this host is refused (the lean
        path speaks to no proxy), with what to do instead."""
        self.url, self.identity, self.tenant_id = url, identity, tenant_id
        parts = urlsplit(url.account_url)
        proxy_map = dict(proxies)
        if proxy_map.get(parts.scheme):
            import urllib.request  # noqa: PLC0415 - only when a proxy is set

            if not urllib.request.proxy_bypass_environment(parts.hostname or "", proxy_map):
                raise UsageError(f"{url.redacted}: this pyazcopy version does not send Data Lake (dfs) requests through a proxy yet; "
                                 f"add {parts.hostname} to NO_PROXY if it can be reached directly, or use the account's Blob URL")
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._root = parts.path.rstrip("/")  # "/account" on a path-style URL, "" on Azure
        self._credential = credential if credential is not None and hasattr(credential, "get_token") else None
        if self._credential is not None and parts.scheme != "https":
            raise UsageError(f"{url.redacted}: OAuth tokens are only sent over https; use an https URL")
        self._lean = LeanTransport(self._origin, self._credential, STORAGE_SCOPE, connection_verify, read_timeout, {"x-ms-version": API_VERSION})

    def close(self) -> None:
        self._lean.close()

    # --- URLs ---------------------------------------------------------------------------------------------------
    def _filesystem_path(self) -> str:
        return f"{self._root}/{quote(self.url.container, safe='')}"

    def _path(self, name: str, query: str = "") -> str:
        base = f"{self._filesystem_path()}/{quote(name, safe='/~')}" if name else self._filesystem_path()
        parts = [p for p in (query, self.url.sas) if p]
        return base + ("?" + "&".join(parts) if parts else "")

    def display(self, name: str) -> str:
        """A path for messages: the endpoint's URL without its SAS."""
        return f"{self.url.account_url}/{self.url.container}/{name}"

    # --- sending ------------------------------------------------------------------------------------------------
    def _send(self, method: str, path: str, operation: str, name: str, need: Need, headers: dict[str, str] | None = None,
              body: Any = None, ok: tuple[int, ...] = (200, 201, 202, 206)) -> LeanResponse:
        request_headers = {"x-ms-client-request-id": client_request_id(), **(headers or {})}
        try:
            response = self._lean.send(method, path, request_headers, body)
        except CONNECTION_ERRORS as error:
            raise TransientStorageError(f"{operation} {self.display(name)}: connection failed ({type(error).__name__}); it will be retried") from None
        if response.status_code in ok:
            return response
        try:
            text = response.read() if method != "HEAD" else b""
        except CONNECTION_ERRORS:
            text = b""
        response.close()
        raise dfs_error(operation, self.display(name), response.status_code, response.headers.get("x-ms-error-code"), text, response.headers,
                        self.url, name, need, identity=self.identity if self._credential else "", tenant_id=self.tenant_id)

    def _done(self, response: LeanResponse) -> Any:
        response.read()
        response.close()
        return response.headers

    # --- reading ------------------------------------------------------------------------------------------------
    def list_directory(self, directory: str) -> Iterator[PathItem]:
        """The children of ``directory`` ("" for the root), one level, in the service's order, page by page;
        nothing when the directory does not exist."""
        continuation = ""
        while True:
            query = f"resource=filesystem&recursive=false&maxResults={LIST_PAGE_SIZE}"
            if directory:
                query += "&directory=" + quote(directory, safe="")
            if continuation:
                query += "&continuation=" + quote(continuation, safe="")
            try:
                response = self._send("GET", self._path("", query), "list paths in", directory, Need.LIST)
            except ResourceNotFoundError:
                return
            try:
                payload = json.loads(response.read() or b"{}")
            except CONNECTION_ERRORS as error:
                raise TransientStorageError(f"list paths in {self.display(directory)}: connection dropped ({type(error).__name__})") from None
            except ValueError:
                raise TransientStorageError(f"list paths in {self.display(directory)}: the answer was cut short") from None
            finally:
                response.close()
            for item in payload.get("paths", []):
                yield PathItem(item["name"], str(item.get("isDirectory", "")).lower() == "true", int(item.get("contentLength") or 0),
                               http_date_timestamp(item.get("lastModified")), item.get("etag") or "")
            continuation = response.headers.get("x-ms-continuation") or ""
            if not continuation:
                return

    def properties(self, name: str) -> Any:
        """The headers of Get Properties, None when there is no such path."""
        try:
            return self._done(self._send("HEAD", self._path(name), "get properties of", name, Need.STAT))
        except ResourceNotFoundError:
            return None

    def read_into(self, name: str, offset: int, buffer: memoryview) -> int:
        headers = {"x-ms-range": f"bytes={offset}-{offset + len(buffer) - 1}"}
        response = self._send("GET", self._path(name), "read", name, Need.READ, headers)
        filled = 0
        try:
            while filled < len(buffer):
                n = response.readinto(buffer[filled:])
                if not n:
                    break
                filled += n
            if filled == len(buffer) and response.read_some(1):
                raise TransientStorageError(f"read {self.display(name)}: the service sent more bytes than the range asked for")
        except CONNECTION_ERRORS as error:
            raise TransientStorageError(f"read {self.display(name)}: connection dropped ({type(error).__name__})") from None
        finally:
            response.close()
        if filled != len(buffer):
            raise TransientStorageError(f"read {self.display(name)}: got {filled} of {len(buffer)} bytes")
        return filled

    # --- writing ------------------------------------------------------------------------------------------------
    def create_file(self, name: str, metadata: tuple[tuple[str, str], ...] = (), shown: str = "") -> None:
        """Create (or empty) the file ``name``; missing parent directories are created, as Azure does. ``shown`` (here
        and below) is the name messages give: a writer's final name rather than its temporary file's."""
        headers = {"x-ms-properties": encode_properties(metadata)} if metadata else {}
        self._done(self._send("PUT", self._path(name, "resource=file"), "create", shown or name, Need.CREATE, headers))

    def append(self, name: str, position: int, data: memoryview | bytes, shown: str = "") -> None:
        self._done(self._send("PATCH", self._path(name, f"action=append&position={position}"), "append to", shown or name, Need.WRITE,
                              {"Content-Length": str(len(data))}, data))

    def flush(self, name: str, position: int, headers: dict[str, str], shown: str = "") -> None:
        self._done(self._send("PATCH", self._path(name, f"action=flush&position={position}"), "flush", shown or name, Need.WRITE, headers))

    def rename(self, source: str, target: str) -> None:
        """Move ``source`` over ``target`` (atomic in an account with a hierarchical namespace)."""
        rename_source = f"/{quote(self.url.container, safe='')}/{quote(source, safe='/~')}" + (f"?{self.url.sas}" if self.url.sas else "")
        self._done(self._send("PUT", self._path(target), "rename onto", target, Need.CREATE, {"x-ms-rename-source": rename_source}))

    def delete(self, name: str) -> bool:
        try:
            self._done(self._send("DELETE", self._path(name), "delete", name, Need.DELETE))
        except ResourceNotFoundError:
            return False
        return True

    def set_properties(self, name: str, headers: dict[str, str], metadata: tuple[tuple[str, str], ...]) -> None:
        """Path - Update setProperties: the content headers given and the metadata (which it replaces)."""
        self._done(self._send("PATCH", self._path(name, "action=setProperties"), "set properties of", name, Need.WRITE,
                              {**headers, "x-ms-properties": encode_properties(metadata)}))
