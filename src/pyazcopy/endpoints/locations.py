"""Parse storage URLs in both shapes: ``https://acct.blob.core.windows.net/container/path`` and the path style
``https://127.0.0.1:PORT/acct/container/path`` used by emulators and Azure Stack."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, unquote, urlsplit

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


CONTAINER_NAME = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?!-))*")
CONTAINER_RULE = ("a container name has 3-63 characters: lower-case letters, digits and hyphens, starts with a letter or digit, "
                  "and has no two hyphens in a row")


def container_name_problem(name: str) -> str:
    """What is wrong with a container name by Azure's rules ("" when nothing is); ``$root``, ``$web`` and ``$logs``
    are the service's own containers and allowed."""
    if name in ("$root", "$web", "$logs"):
        return ""
    if not 3 <= len(name) <= 63:
        return f"the container name {name!r} has {len(name)} characters; {CONTAINER_RULE}"
    if not CONTAINER_NAME.fullmatch(name) or name.endswith("-"):
        return f"the container name {name!r} is not valid; {CONTAINER_RULE}"
    return ""


SHARE_RULE = ("a share name has 3-63 characters: lower-case letters, digits and hyphens, starts and ends with a letter or digit, "
              "and has no two hyphens in a row")


def share_name_problem(name: str) -> str:
    """What is wrong with an Azure Files share name by Azure's rules ("" when nothing is)."""
    if not 3 <= len(name) <= 63:
        return f"the share name {name!r} has {len(name)} characters; {SHARE_RULE}"
    if not CONTAINER_NAME.fullmatch(name) or name.endswith("-"):
        return f"the share name {name!r} is not valid; {SHARE_RULE}"
    return ""


FROM_TO_KINDS = ("BlobFS", "Blob", "File", "Local", "Pipe", "S3", "GCP")  # BlobFS before Blob: the longest name first


def from_to_kinds(value: str) -> tuple[str, str]:
    """AzCopy's ``--from-to`` value (``LocalFile``, ``FileBlob``, ``BlobFSLocal``...) as its two endpoint kinds."""
    for source in FROM_TO_KINDS:
        if value.lower().startswith(source.lower()):
            rest = value[len(source):]
            for destination in FROM_TO_KINDS:
                if rest.lower() == destination.lower():
                    return source, destination
    raise UsageError(f"invalid --from-to value {value!r}: write two endpoint kinds, like LocalBlob, BlobLocal, LocalFile, FileLocal, "
                     "BlobFile, FileBlob or FileFile")


def check_port(parts: SplitResult, url: str) -> None:
    """A port that is not a number (``https://127.0.0.1:notaport/...``) is a bad URL, said as such."""
    try:
        parts.port
    except ValueError:
        port = parts.netloc.rsplit("@", 1)[-1].rsplit(":", 1)[-1]
        raise UsageError(f"bad port {port!r} in {url.split('?')[0]!r}: a port is a number from 1 to 65535 "
                         f"(for example https://127.0.0.1:10000/...); fix the URL") from None


def is_remote(argument: str) -> bool:
    return argument.lower().startswith(("https://", "http://"))


def parse_location(url: str) -> StorageLocation:
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("https", "http") or not parts.netloc:
        raise UsageError(f"{url.split('?')[0]!r} is not an Azure Storage URL (expected https://<account>.blob.core.windows.net/<container>[/<path>])")
    check_port(parts, url)
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


REMOTE_KINDS = {"blob": "Blob", "blobfs": "BlobFS", "file": "File"}  # AzCopy's --from-to names of the remote endpoint kinds served here


def remote_kind(url: str, kind: str = "") -> str:
    """The endpoint kind of a storage URL: ``kind`` when given ("Blob", "BlobFS" or "File", as AzCopy's --from-to names
    them), else what the host says (``<account>.dfs.core.windows.net`` is BlobFS, ``<account>.file.core.windows.net``
    File); a path-style URL cannot say, so Blob."""
    if kind:
        if kind.lower() not in REMOTE_KINDS:
            raise UsageError(f"{kind!r} is not an endpoint kind of a storage URL here; use Blob, BlobFS or File (as in --from-to LocalBlobFS)")
        return REMOTE_KINDS[kind.lower()]
    return {"dfs": "BlobFS", "file": "File"}.get(parse_location(url).service, "Blob")


def with_service(url: str, service: str) -> str:
    """``url`` on the ``service`` endpoint of its account (``.blob.`` <-> ``.dfs.``); a path-style URL is kept."""
    parts = urlsplit(url)
    labels = (parts.hostname or "").split(".")
    if _is_path_style(parts.hostname or "") or len(labels) < 3 or labels[1] not in ("blob", "dfs"):
        return url
    return url.replace(f"{labels[0]}.{labels[1]}.", f"{labels[0]}.{service}.", 1)
