"""Rename File (``PUT <file>?comp=rename``, API version 2021-04-10 and later), after Microsoft's "Rename File" page
and azure-storage-file-share's ``rename_file``: ``x-ms-file-rename-source`` is the URI of the source file (its path
URL-encoded, a SAS possibly in its query, which the request's own authorization already covers: both ends are in
one share); ``x-ms-file-rename-replace-if-exists: true`` replaces a file at the destination, else an existing one is
``409 ResourceAlreadyExists`` (a directory always is). The file keeps its id, contents, content headers and metadata;
``x-ms-meta-*``, ``x-ms-content-type`` and the SMB headers, when sent, set those on the renamed file."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from localazure.files import errors
from localazure.files.errors import FileError
from localazure.files.operations import split_path
from localazure.files.properties import apply_smb, metadata_from, node_headers, smb_headers

if TYPE_CHECKING:
    from localazure.files.server import Call

SOURCE = "x-ms-file-rename-source"
REPLACE = "x-ms-file-rename-replace-if-exists"
MAX_SOURCE = 2048  # "up to 2 KiB in length"


def _flag(call: "Call", name: str) -> bool:
    value = call.request.headers.get(name, "false").strip().lower()
    if value not in ("true", "false"):
        raise errors.invalid_header_value(("HeaderName", name), ("HeaderValue", value))
    return value == "true"


def _source_path(call: "Call") -> str:
    """The path inside the share that the rename source names (a full URL, or a path beginning with the share)."""
    source = call.request.headers.get(SOURCE)
    if not source:
        raise errors.missing_required_header(("HeaderName", SOURCE))
    if len(source) > MAX_SOURCE:
        raise errors.invalid_header_value(("HeaderName", SOURCE), ("HeaderValue", source.split("?", 1)[0]))
    parts = urlsplit(source)
    path = unquote(parts.path)
    if parts.scheme:  # https://host/account/share/path (path style) or https://account.file.../share/path
        segments = path.lstrip("/").split("/", 1)
        if segments[0] == call.authorizer.account and parts.netloc.lower() == call.request.host.lower():
            path = segments[1] if len(segments) > 1 else ""
        elif parts.netloc.lower().split(".", 1)[0] != call.authorizer.account and parts.netloc.lower() != call.request.host.lower():
            raise errors.invalid_header_value(("HeaderName", SOURCE), ("HeaderValue", source.split("?", 1)[0]))
    share, _, inner = path.lstrip("/").partition("/")
    if share != call.operation.share:  # a rename never leaves its share
        raise errors.invalid_header_value(("HeaderName", SOURCE), ("HeaderValue", source.split("?", 1)[0]))
    return inner.strip("/")


async def rename_file(call: "Call"):
    share = call.live_share()
    source = _source_path(call)
    if not source:
        raise errors.invalid_header_value(("HeaderName", SOURCE), ("HeaderValue", call.request.headers[SOURCE].split("?", 1)[0]))
    replace = _flag(call, REPLACE)
    ignore_readonly = _flag(call, "x-ms-file-rename-ignore-readonly")
    if ignore_readonly and not replace:
        raise errors.invalid_header_value(("HeaderName", "x-ms-file-rename-ignore-readonly"), ("HeaderValue", "true"))
    try:
        existing = call.store.lookup(share, call.operation.path)
    except FileError:
        existing = None
    if existing is not None and not existing.is_dir and replace and "ReadOnly" in existing.attributes and not ignore_readonly:
        raise FileError(409, "ReadOnlyAttribute", "The specified resource is read-only and cannot be modified at this time.")
    node = call.store.rename(share, source, call.operation.path, replace)
    metadata = metadata_from(call.request.headers)
    if metadata:
        node.metadata = metadata
    content_type = call.request.headers.get("x-ms-content-type")
    if content_type:
        node.headers["content-type"] = content_type
    node.touch()
    apply_smb(node, call.request.headers, share)
    return call.respond(200, {"ETag": node.etag, "Last-Modified": node_headers(node)["Last-Modified"], "x-ms-request-server-encrypted": "true",
                              **smb_headers(node)})


HANDLERS = {"Rename File": rename_file}
