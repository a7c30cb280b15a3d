"""File operations: create with a size, Put Range (update, clear, from URL), Get File with ranges and Content-MD5,
properties, metadata, HTTP headers, List Ranges, delete, and Copy File (synchronous: it is done when it answers)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from aiohttp import web

from localazure.files import errors, listing
from localazure.files.copy_source import origin_of
from localazure.files.errors import http_date
from localazure.files.operations import READ, split_path
from localazure.files.properties import apply_smb, content_headers_from, metadata_from, node_headers, smb_headers
from localazure.files.ranges import parse_range, request_range
from localazure.files.store import Node, now
from localazure.gateway.errors import StorageError
from localazure.gateway.roles import Check

if TYPE_CHECKING:
    from localazure.files.server import Call

MAX_RANGE = 4 * 1024 * 1024  # Put Range, Put Range From URL, and Get File with x-ms-range-get-content-md5
MAX_SIZE = 4 * 1024**4  # 4 TiB


def _file(call: "Call") -> Node:
    node = call.store.lookup(call.share(), call.operation.path)
    if node.is_dir:
        raise errors.resource_not_found()
    return node


def _live_file(call: "Call") -> Node:
    call.live_share()
    return _file(call)


def _written(node: Node, **extra: str) -> dict[str, str]:
    return {"ETag": node.etag, "Last-Modified": node_headers(node)["Last-Modified"], "x-ms-request-server-encrypted": "true", **extra}


def _size(value: str | None, name: str) -> int:
    if value is None:
        raise errors.missing_required_header(("HeaderName", name))
    if not value.isdigit() or int(value) > MAX_SIZE:
        raise errors.invalid_header_value(("HeaderName", name), ("HeaderValue", value))
    return int(value)


async def create_file(call: "Call"):
    headers = call.request.headers
    if headers.get("x-ms-type", "").lower() != "file":
        raise errors.invalid_header_value(("HeaderName", "x-ms-type"), ("HeaderValue", headers.get("x-ms-type", "")))
    size = _size(headers.get("x-ms-content-length"), "x-ms-content-length")
    share = call.live_share()
    node = call.store.create_file(share, call.operation.path, size, content_headers_from(headers), metadata_from(headers))
    node.content_md5 = headers.get("x-ms-content-md5") or None
    apply_smb(node, headers, share)
    return call.respond(201, {**_written(node), **smb_headers(node)})


async def get_file_properties(call: "Call"):
    return call.respond(200, node_headers(_file(call)))


async def get_file_metadata(call: "Call"):
    return call.respond(200, node_headers(_file(call), with_content=False))


async def get_file(call: "Call"):
    node = _file(call)
    wanted = request_range(call.request.headers)
    headers = node_headers(node)
    status, start, end = 200, 0, node.size
    if wanted is not None:
        start, end = wanted[0], min(wanted[1] if wanted[1] is not None else node.size, node.size)
        if start >= node.size:
            raise errors.invalid_range(node.size)
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{node.size}"
        headers.pop("Content-MD5", None)
        if node.content_md5:
            headers["x-ms-content-md5"] = node.content_md5
        if call.request.headers.get("x-ms-range-get-content-md5", "").lower() == "true":
            if end - start > MAX_RANGE:
                raise errors.out_of_range_input()
            md5 = hashlib.md5()
            for piece in call.store.read(node, start, end):
                md5.update(piece)
            headers["Content-MD5"] = base64.b64encode(md5.digest()).decode("ascii")
    headers["Content-Length"] = str(end - start)
    response = web.StreamResponse(status=status, headers=call.common_headers(headers))
    response.content_length = end - start
    await response.prepare(call.request)
    for piece in call.store.read(node, start, end):
        await response.write(piece)
    await response.write_eof()
    return response


async def set_file_properties(call: "Call"):
    node = _live_file(call)
    headers = call.request.headers
    if headers.get("x-ms-content-length") is not None:
        call.store.resize(node, _size(headers.get("x-ms-content-length"), "x-ms-content-length"))
    content = content_headers_from(headers)
    if content or headers.get("x-ms-content-md5") or headers.get("x-ms-content-length") is None:
        node.headers, node.content_md5 = content, headers.get("x-ms-content-md5") or None  # Azure clears what is not sent
    node.touch()
    apply_smb(node, headers, call.share())
    return call.respond(200, {**_written(node), **smb_headers(node)})


async def set_file_metadata(call: "Call"):
    node = _live_file(call)
    node.metadata = metadata_from(call.request.headers)
    node.touch()
    return call.respond(200, _written(node))


async def delete_file(call: "Call"):
    call.store.delete(call.live_share(), call.operation.path, is_dir=False)
    return call.respond(202)


def _target_range(call: "Call", node: Node) -> tuple[int, int]:
    wanted = request_range(call.request.headers)
    if wanted is None:
        raise errors.missing_required_header(("HeaderName", "x-ms-range"))
    start, end = wanted[0], wanted[1] if wanted[1] is not None else node.size
    if end > node.size:
        raise errors.invalid_range(node.size)
    return start, end


async def put_range(call: "Call"):
    node = _live_file(call)
    start, end = _target_range(call, node)
    mode = call.request.headers.get("x-ms-write", "").lower()
    if mode == "clear":
        call.store.clear(node, start, end)
        node.touch()
        return call.respond(201, _written(node))
    if mode != "update":
        raise errors.invalid_header_value(("HeaderName", "x-ms-write"), ("HeaderValue", mode))
    if end - start > MAX_RANGE:
        raise errors.FileError(413, "RequestBodyTooLarge", "The request body is too large and exceeds the maximum permissible limit.", (("MaxLimit", str(MAX_RANGE)),))
    body = await call.request.read()
    if len(body) != end - start:
        raise errors.invalid_header_value(("HeaderName", "Content-Length"), ("HeaderValue", str(len(body))))
    digest = base64.b64encode(hashlib.md5(body).digest()).decode("ascii")
    sent = call.request.headers.get("Content-MD5")
    if sent and sent != digest:
        raise errors.md5_mismatch(("UserSpecifiedMd5", sent), ("ServerCalculatedMd5", digest))
    call.store.write(node, start, body)
    node.touch()
    return call.respond(201, _written(node, **{"Content-MD5": digest}))


async def put_range_from_url(call: "Call"):
    node = _live_file(call)
    start, end = _target_range(call, node)
    headers = call.request.headers
    source_range = parse_range(headers.get("x-ms-source-range"))
    if source_range is None or source_range[1] is None:
        raise errors.missing_required_header(("HeaderName", "x-ms-source-range"))
    if source_range[1] - source_range[0] != end - start or end - start > MAX_RANGE:
        raise errors.invalid_header_value(("HeaderName", "x-ms-source-range"), ("HeaderValue", headers["x-ms-source-range"]))
    url = headers["x-ms-copy-source"]
    local = _local_source(call, url)
    if local is not None:
        if source_range[1] > local.size:
            raise errors.invalid_range(local.size)
        position = start
        for piece in call.store.read(local, source_range[0], source_range[1]):
            call.store.write(node, position, piece)
            position += len(piece)
    else:
        await call.sources.fetch(url, headers.get("x-ms-copy-source-authorization"), (source_range[0], source_range[1]),
                                 lambda offset, piece: call.store.write(node, start + offset - source_range[0], piece))
    node.touch()
    return call.respond(201, _written(node))


async def list_ranges(call: "Call"):
    if "prevsharesnapshot" in call.request.query:
        raise errors.not_implemented("List Ranges with prevsharesnapshot (a diff against a snapshot)")
    node = _file(call)
    ranges = node.ranges
    wanted = request_range(call.request.headers)
    if wanted is not None:
        low, high = wanted[0], wanted[1] if wanted[1] is not None else node.size
        ranges = [(max(a, low), min(b, high)) for a, b in ranges if b > low and a < high]
    return call.respond(200, {"ETag": node.etag, "Last-Modified": node_headers(node)["Last-Modified"], "x-ms-content-length": str(node.size)},
                        listing.ranges_xml(ranges))


def _local_source(call: "Call", url: str) -> Node | None:
    """The source when it is a file of this service named without a SAS: read in place, authorized as Azure does
    for a same-account source (the destination's Shared Key, or the bearer token's read on the source share)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if origin_of(url) != f"https://{call.request.host}".lower() or "sig" in query:
        return None
    account, share_name, path = split_path(unquote(parts.path))
    if account != call.authorizer.account or not share_name:
        raise errors.cannot_verify_copy_source()
    authorization = call.request.headers.get("x-ms-copy-source-authorization")
    if authorization or call.auth == "Bearer":
        token = (authorization or call.request.headers["Authorization"]).partition(" ")[2].strip()
        try:
            caller = call.authorizer.validator.validate(token)
        except StorageError as error:
            raise errors.from_storage_error(error) from None
        if call.authorizer.assignments.authorize(caller.object_id, tuple(Check(c.permissions, share_name) for c in READ)) is not None:
            raise errors.FileError(403, "CannotVerifyCopySource", errors.permission_mismatch().message,
                                   (("CopySourceStatusCode", "403"), ("CopySourceErrorCode", "AuthorizationPermissionMismatch")))
    elif call.auth != "SharedKey":
        raise errors.FileError(403, "CannotVerifyCopySource", "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.",
                               (("CopySourceStatusCode", "401"), ("CopySourceErrorCode", "NoAuthenticationInformation")))
    snapshot = query.get("sharesnapshot", [None])[0]
    try:
        source = call.store.lookup(call.store.share(share_name, snapshot), path)
    except errors.FileError as error:
        raise errors.FileError(error.status, "CannotVerifyCopySource", error.message,
                               (("CopySourceStatusCode", str(error.status)), ("CopySourceErrorCode", error.code))) from None
    if source.is_dir:
        raise errors.cannot_verify_copy_source()
    return source


async def copy_file(call: "Call"):
    share = call.live_share()
    headers = call.request.headers
    url = headers["x-ms-copy-source"]
    metadata = metadata_from(headers)
    local = _local_source(call, url)
    if local is not None:
        node = call.store.create_file(share, call.operation.path, local.size, dict(local.headers), metadata or dict(local.metadata))
        node.content_md5 = local.content_md5
        call.store.copy_ranges(local, node, 0)
    else:
        call.sources.check(url)
        node = call.store.create_file(share, call.operation.path, 0, {}, metadata)

        def write(offset: int, piece: bytes) -> None:
            if offset + len(piece) > node.size:
                call.store.resize(node, offset + len(piece))
            call.store.write(node, offset, piece)

        fetched = await call.sources.fetch(url, headers.get("x-ms-copy-source-authorization"), None, write)
        call.store.resize(node, fetched.size)
        node.headers = {name: fetched.headers[name] for name in ("content-type", "content-encoding", "content-language", "content-disposition", "cache-control") if fetched.headers.get(name)}
        node.content_md5 = fetched.headers.get("content-md5")
        if not metadata:
            node.metadata = {name[len("x-ms-meta-"):]: value for name, value in fetched.headers.items() if name.startswith("x-ms-meta-")}
    apply_smb(node, headers, share)
    copy_id = str(uuid.uuid4())
    node.copy = {"x-ms-copy-id": copy_id, "x-ms-copy-source": url.split("?", 1)[0], "x-ms-copy-status": "success",
                 "x-ms-copy-progress": f"{node.size}/{node.size}", "x-ms-copy-completion-time": http_date(now())}
    node.touch()
    return call.respond(202, _written(node, **{"x-ms-copy-id": copy_id, "x-ms-copy-status": "success"}))


async def abort_copy(call: "Call"):
    _live_file(call)
    raise errors.no_pending_copy()


async def list_handles(call: "Call"):
    call.store.lookup(call.share(), call.operation.path)  # a file or a directory; no SMB client holds handles here
    return call.respond(200, body=f"{listing.HEAD}<EnumerationResults><Entries /><NextMarker /></EnumerationResults>")


async def force_close_handles(call: "Call"):
    call.store.lookup(call.share(), call.operation.path)
    return call.respond(200, {"x-ms-number-of-handles-closed": "0", "x-ms-number-of-handles-failed": "0"})


HANDLERS = {
    "Force Close Handles": force_close_handles,
    "Create File": create_file,
    "Get File": get_file,
    "Get File Properties": get_file_properties,
    "Get File Metadata": get_file_metadata,
    "Set File Properties": set_file_properties,
    "Set File Metadata": set_file_metadata,
    "Delete File": delete_file,
    "Put Range": put_range,
    "Put Range from URL": put_range_from_url,
    "List Ranges": list_ranges,
    "Copy File": copy_file,
    "Abort Copy File": abort_copy,
    "List Handles": list_handles,
}
