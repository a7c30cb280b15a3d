"""The Blob operations that read their data from a URL, which Azurite 3.35 lacks or does without authorizing the
source: Put Blob From URL, Put Block From URL, Append Block From URL and Put Page From URL answer 501 NotImplemented
there, and its synchronous Copy Blob (x-ms-requires-sync) ignores ``x-ms-copy-source-authorization`` (it copies
within an account unchecked, and across accounts checks the source with an anonymous request).

The gateway serves them as Azure does: it GETs the source (its range) the way Azure's service fetches it — from
this stack only, through the gateway itself, so the source's own SAS, or the ``x-ms-copy-source-authorization``
bearer token checked against the source account's role assignments (read on the blob), or public access decides —
and answers a refused source with ``CannotVerifyCopySource`` and the source's status. The bytes then go to Azurite
by its own Put Blob, Put Block, Append Block or Put Page, authorized with the destination's credentials (a bearer
token the gateway has already checked, or the SAS), or signed with the account key when the client signed with it.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import AsyncIterator, Callable, Mapping
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from localazure.gateway import shared_key
from localazure.gateway.errors import StorageError

SOURCE_VERSION = "2025-11-05"  # the newest x-ms-version Azurite 3.35 accepts
CHUNK = 1 << 20
CANNOT_VERIFY = "Could not verify the copy source within the specified time."
SOURCE_CONDITION = "The source condition specified using HTTP conditional header(s) is not met."
# What the request says about the source only; none of it goes to Azurite's write.
SOURCE_HEADERS = ("x-ms-copy-source", "x-ms-copy-source-authorization", "x-ms-copy-source-blob-properties", "x-ms-copy-source-tag-option",
                  "x-ms-requires-sync", "x-ms-source-range", "x-ms-source-content-md5", "x-ms-source-content-crc64", "x-ms-source-if-match",
                  "x-ms-source-if-none-match", "x-ms-source-if-modified-since", "x-ms-source-if-unmodified-since", "x-ms-source-if-tags",
                  "authorization", "content-length", "content-md5", "content-type", "host", "transfer-encoding", "expect", "connection")
SOURCE_CONDITIONS = {"x-ms-source-if-match": "If-Match", "x-ms-source-if-none-match": "If-None-Match",
                     "x-ms-source-if-modified-since": "If-Modified-Since", "x-ms-source-if-unmodified-since": "If-Unmodified-Since"}
# A source's properties and the Put Blob headers that set them on the destination.
PROPERTIES = {"content-type": "x-ms-blob-content-type", "content-encoding": "x-ms-blob-content-encoding", "content-language": "x-ms-blob-content-language",
              "content-disposition": "x-ms-blob-content-disposition", "cache-control": "x-ms-blob-cache-control", "content-md5": "x-ms-blob-content-md5"}

PUT_BLOB_FROM_URL = "Put Blob From URL"
COPY_BLOB_FROM_URL = "Copy Blob From URL"
WHOLE_BLOB = (PUT_BLOB_FROM_URL, COPY_BLOB_FROM_URL)


def from_url_operation(method: str, query: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    """The From-URL operation a request is (None for any other, including the asynchronous Copy Blob, which Azurite
    serves itself). ``query`` has lower-case names."""
    if method.upper() != "PUT" or not headers.get("x-ms-copy-source"):
        return None
    comp = query.get("comp", "").lower()
    if comp == "":
        if headers.get("x-ms-requires-sync", "").lower() == "true":
            return COPY_BLOB_FROM_URL
        return PUT_BLOB_FROM_URL if headers.get("x-ms-blob-type", "").lower() == "blockblob" else None
    return {"block": "Put Block From URL", "appendblock": "Append Block From URL", "page": "Put Page From URL"}.get(comp)


def cannot_verify(status: int, code: str = "", message: str = "") -> StorageError:
    """Azure's answer when the source refused the read: the source's status, and its code and message."""
    return StorageError(status, "CannotVerifyCopySource", message or CANNOT_VERIFY, None, None,
                        (("CopySourceStatusCode", str(status)), ("CopySourceErrorCode", code), ("CopySourceErrorMessage", message or CANNOT_VERIFY)))


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class FromUrl:
    """Serves the From-URL operations for a gateway whose requests are already authorized on the destination."""

    upstream: str  # Azurite's origin
    keys: Mapping[str, bytes]  # account -> decoded key, to sign writes when the client used Shared Key
    origins: Callable[[], frozenset[str]]  # origins sources may be read from (this stack's), besides the gateway's own

    async def serve(self, session: aiohttp.ClientSession, request: web.Request, operation: str, account: str) -> web.StreamResponse:
        source = request.headers["x-ms-copy-source"]
        if urlsplit(source).scheme != "https" or origin_of(source) not in self.origins() | {f"https://{request.host}".lower()}:
            raise cannot_verify(400, "", "localazure copies only from its own endpoints on 127.0.0.1 (the Blob URLs of this stack).")
        async with session.get(URL(source, encoded=True), headers=_source_request_headers(request.headers, operation), allow_redirects=False) as fetched:
            if fetched.status >= 300:
                raise await _source_refused(fetched)
            headers = self._write_headers(request, operation, fetched)
            query = request.raw_path.partition("?")[2]
            if operation in WHOLE_BLOB:
                headers["x-ms-blob-type"] = "BlockBlob"
            if request.headers.get("Authorization", "").startswith("SharedKey "):
                headers["Authorization"] = shared_key.authorization(account, self.keys[account], "PUT", request.raw_path.partition("?")[0], query, headers)
            url = URL(self.upstream + request.raw_path, encoded=True)
            async with session.put(url, headers=headers, data=_chunks(fetched), allow_redirects=False) as written:
                body = await written.read()
                response = web.Response(status=written.status, reason=written.reason, body=body)
                for name, value in written.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "keep-alive"):
                        response.headers.add(name, value)
                if operation == COPY_BLOB_FROM_URL and written.status == 201:
                    response.set_status(202, "Accepted")
                    response.headers["x-ms-copy-id"] = str(uuid.uuid4())
                    response.headers["x-ms-copy-status"] = "success"
                return response

    def _write_headers(self, request: web.Request, operation: str, fetched: aiohttp.ClientResponse) -> CIMultiDict:
        headers = CIMultiDict((name, value) for name, value in request.headers.items() if name.lower() not in SOURCE_HEADERS)
        headers["Content-Length"] = fetched.headers.get("Content-Length", "0")
        if request.headers.get("Authorization") and not request.headers["Authorization"].startswith("SharedKey "):
            headers["Authorization"] = request.headers["Authorization"]  # a bearer token, not bound to the request's form
        if operation in WHOLE_BLOB and (operation == COPY_BLOB_FROM_URL or request.headers.get("x-ms-copy-source-blob-properties", "true").lower() != "false"):
            for name, target in PROPERTIES.items():
                if target not in headers and fetched.headers.get(name):
                    headers[target] = fetched.headers[name]
        if operation == COPY_BLOB_FROM_URL and not any(name.lower().startswith("x-ms-meta-") for name in headers):
            for name, value in fetched.headers.items():
                if name.lower().startswith("x-ms-meta-"):
                    headers.add(name, value)  # Copy Blob keeps the source's metadata unless the request gives its own
        return headers


def _source_request_headers(headers: Mapping[str, str], operation: str) -> dict[str, str]:
    result = {"x-ms-version": SOURCE_VERSION}
    if headers.get("x-ms-copy-source-authorization"):
        result["Authorization"] = headers["x-ms-copy-source-authorization"]
    if operation not in WHOLE_BLOB and headers.get("x-ms-source-range"):
        result["x-ms-range"] = headers["x-ms-source-range"]
    for name, target in SOURCE_CONDITIONS.items():
        if headers.get(name):
            result[target] = headers[name]
    return result


async def _source_refused(fetched: aiohttp.ClientResponse) -> StorageError:
    text = (await fetched.read()).decode("utf-8-sig", errors="replace")
    if fetched.status in (304, 412):
        return StorageError(412, "SourceConditionNotMet", SOURCE_CONDITION)
    code = fetched.headers.get("x-ms-error-code") or (match.group(1) if (match := re.search(r"<Code>([^<]*)</Code>", text)) else "")
    message = re.search(r"<Message>([^<\n]*)", text)
    if fetched.status == 401 and not code:
        code = "NoAuthenticationInformation"
    return cannot_verify(fetched.status, code, message.group(1) if message else (fetched.reason or ""))


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    async for piece in response.content.iter_chunked(CHUNK):
        yield piece
