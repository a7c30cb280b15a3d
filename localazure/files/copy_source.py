"""Fetching the source of Copy File and Put Range From URL, as Azure's service does, but only from this stack.

localazure never fetches from anywhere but its own endpoints on 127.0.0.1 (the Blob gateway, Azurite and this File
service), whatever URL a client names. The source's own service authorizes the fetch: a SAS in the URL, or the
``x-ms-copy-source-authorization`` bearer token sent on as its Authorization header (with the backup intent when
the source is this File service).
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field
from typing import AsyncIterator, Callable
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from localazure.files import errors

SOURCE_VERSION = "2025-11-05"  # the newest version Azurite 3.35 accepts; the File service takes it too
CHUNK = 1 << 20


@dataclass(frozen=True)
class Fetched:
    size: int  # the whole source's size
    headers: dict[str, str]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass
class CopySources:
    client_ssl: ssl.SSLContext
    origins: Callable[[], frozenset[str]]  # the stack's own https origins, known once every server listens
    _session: aiohttp.ClientSession | None = field(default=None, repr=False)

    async def open(self, app: web.Application) -> None:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self.client_ssl), auto_decompress=False,
                                              timeout=aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=300))

    async def close(self, app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()

    def check(self, url: str) -> None:
        if urlsplit(url).scheme != "https" or origin_of(url) not in self.origins():
            raise errors.cannot_verify_copy_source(
                ("CopySourceErrorMessage", "localazure copies only from its own endpoints on 127.0.0.1 (the Blob and File URLs of this stack)."))

    async def fetch(self, url: str, authorization: str | None, source_range: tuple[int, int] | None, write: Callable[[int, bytes], None]) -> Fetched:
        """GET the source (or its range), handing each piece to ``write(offset, data)``; the source's error as
        CannotVerifyCopySource with the source's status, as Azure answers."""
        self.check(url)
        assert self._session is not None, "the File service app has not started"
        headers = {"x-ms-version": SOURCE_VERSION}
        if authorization:
            headers["Authorization"] = authorization
            headers["x-ms-file-request-intent"] = "backup"  # ignored by the Blob service
        if source_range is not None:
            headers["x-ms-range"] = f"bytes={source_range[0]}-{source_range[1] - 1}"
        try:
            async with self._session.get(url, headers=headers, allow_redirects=False) as response:
                if response.status >= 300:
                    raise _source_error(response.status, await response.text(errors="replace"))
                size = _source_size(response)
                offset = source_range[0] if source_range else 0
                async for piece in _chunks(response):
                    write(offset, piece)
                    offset += len(piece)
                return Fetched(size, {name.lower(): value for name, value in response.headers.items()})
        except aiohttp.ClientError as error:
            raise errors.cannot_verify_copy_source(("CopySourceErrorMessage", f"the source did not answer: {type(error).__name__}")) from None


async def _chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    async for piece in response.content.iter_chunked(CHUNK):
        yield piece


def _source_size(response: aiohttp.ClientResponse) -> int:
    total = re.match(r"bytes \d+-\d+/(\d+)", response.headers.get("Content-Range", ""))
    return int(total.group(1)) if total else int(response.headers.get("Content-Length", "0"))


def _source_error(status: int, body: str) -> errors.FileError:
    code = re.search(r"<Code>([^<]*)</Code>", body)
    message = re.search(r"<Message>([^<\n]*)", body)
    return errors.FileError(status, "CannotVerifyCopySource", message.group(1) if message else errors.cannot_verify_copy_source().message, (
        ("CopySourceStatusCode", str(status)), ("CopySourceErrorCode", code.group(1) if code else ""),
        ("CopySourceErrorMessage", message.group(1) if message else "")))
