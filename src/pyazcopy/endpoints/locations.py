"""Parse storage URLs in both shapes: ``https://acct.blob.core.windows.net/container/path`` and the path style
``https://127.0.0.1:PORT/acct/container/path`` used by emulators and Azure Stack."""

from __future__ import annotations

import ipaddress
from urllib.parse import unquote, urlsplit

from pyazcopy.errors import UsageError
from pyazcopy.model import StorageLocation

SERVICES = ("blob", "dfs", "file")


def _is_path_style(hostname: str) -> bool:
    if hostname in ("localhost",):
        return True
    try:
        ipaddress.ip_address(hostname)
        return True
    except ValueError:
        return False


def is_remote(argument: str) -> bool:
    return argument.lower().startswith(("https://", "http://"))


def parse_location(url: str) -> StorageLocation:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        raise UsageError(f"{url.split('?')[0]!r} is not an Azure Storage URL (expected https://<account>.blob.core.windows.net/<container>[/<path>])")
    hostname = (parts.hostname or "").lower()
    segments = [unquote(segment) for segment in parts.path.split("/")]
    segments = segments[1:] if segments and segments[0] == "" else segments
    trailing_slash = parts.path.endswith("/") and len([s for s in segments if s]) > 0
    path_style = _is_path_style(hostname)
    if path_style:
        if not segments or not segments[0]:
            raise UsageError(f"the path-style URL {parts.scheme}://{parts.netloc} names no storage account (expected {parts.scheme}://{parts.netloc}/<account>/<container>)")
        account, rest = segments[0], segments[1:]
        service = "blob"
    else:
        labels = hostname.split(".")
        account = labels[0]
        service = labels[1] if len(labels) > 2 and labels[1] in SERVICES else "blob"
        rest = segments
    container = rest[0] if rest else ""
    path = "/".join(rest[1:]) if len(rest) > 1 else ""
    if trailing_slash and path and not path.endswith("/"):
        path += "/"
    return StorageLocation(
        scheme=parts.scheme.lower(),
        host=parts.netloc.rsplit("@", 1)[-1],
        account=account,
        container=container,
        path=path,
        path_style=path_style,
        service=service,
        sas=parts.query if "sig=" in parts.query else "",
    )
