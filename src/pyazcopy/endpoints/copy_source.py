"""What a From-URL write (Put Blob From URL, Put Block From URL) says about its source: the URL, the user's token
for trusted hosts only, the byte range and the ETag it must still have."""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from pyazcopy.errors import StorageServiceError

STORAGE_SCOPE = "https://storage.azure.com/.default"


class CopySourceError(StorageServiceError):
    """The service could not read the source of a From-URL write (``CannotVerifyCopySource``): the source's side."""


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.lower()
    return f"{parts.scheme.lower()}://{host[:-4] if parts.scheme.lower() == 'https' and host.endswith(':443') else host}"


def redacted_url(url: str) -> str:
    """A URL without its query (a SAS never reaches a message)."""
    base, _, query = url.partition("?")
    return base + ("?<SAS redacted>" if query else "")


def copy_source_headers(source_url: str, credential: Any, own_origin: str, trusted: Callable[[str], bool] | None = None,
                        source_range: tuple[int, int] | None = None, source_etag: str = "") -> dict[str, str]:
    """The headers that name a From-URL write's source. The signed-in user's token (``credential``, an azure-core
    TokenCredential) goes along as ``x-ms-copy-source-authorization: Bearer ...`` (as AzCopy does with OAuth on both
    sides) only when the source has no SAS of its own, is https, and ``trusted`` says its origin may receive tokens
    (without ``trusted``: only ``own_origin``, where the destination's token already goes). ``source_range`` is
    (offset, length); ``source_etag`` makes the service refuse a source that changed (``x-ms-source-if-match``)."""
    headers = {"x-ms-copy-source": source_url}
    parts = urlsplit(source_url)
    has_sas = "sig" in parse_qs(parts.query)
    allowed = trusted(source_url) if trusted is not None else origin_of(source_url) == origin_of(own_origin)
    if credential is not None and not has_sas and parts.scheme.lower() == "https" and allowed:
        headers["x-ms-copy-source-authorization"] = "Bearer " + credential.get_token(STORAGE_SCOPE).token
    if source_range is not None:
        offset, length = source_range
        headers["x-ms-source-range"] = f"bytes={offset}-{offset + length - 1}"
    if source_etag:
        headers["x-ms-source-if-match"] = source_etag
    return headers
