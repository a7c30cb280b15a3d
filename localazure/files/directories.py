"""Directory operations: create, delete, properties, metadata, and List Directories and Files with pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from localazure.files import errors, listing
from localazure.files.properties import apply_smb, metadata_from, node_headers, smb_headers
from localazure.files.shares import max_results_of
from localazure.files.store import Node

if TYPE_CHECKING:
    from localazure.files.server import Call

DEFAULT_PAGE = 5000


def _directory(call: "Call") -> Node:
    node = call.store.lookup(call.share(), call.operation.path)
    if not node.is_dir:
        raise errors.resource_not_found()
    return node


def _written(node: Node) -> dict[str, str]:
    return {"ETag": node.etag, "Last-Modified": node_headers(node)["Last-Modified"], "x-ms-request-server-encrypted": "true", **smb_headers(node)}


async def create_directory(call: "Call"):
    share = call.live_share()
    node = call.store.create_directory(share, call.operation.path, metadata_from(call.request.headers))
    apply_smb(node, call.request.headers, share)
    return call.respond(201, _written(node))


async def get_directory_properties(call: "Call"):
    return call.respond(200, node_headers(_directory(call)))


async def delete_directory(call: "Call"):
    if not call.operation.path:
        raise errors.FileError(400, "InvalidUri", "The requested URI does not represent any resource on the server.")
    call.store.delete(call.live_share(), call.operation.path, is_dir=True)
    return call.respond(202)


async def set_directory_metadata(call: "Call"):
    call.live_share()
    node = _directory(call)
    node.metadata = metadata_from(call.request.headers)
    node.touch()
    return call.respond(200, {"ETag": node.etag, "Last-Modified": node_headers(node)["Last-Modified"], "x-ms-request-server-encrypted": "true"})


async def set_directory_properties(call: "Call"):
    share = call.live_share()
    node = _directory(call)
    node.touch()
    apply_smb(node, call.request.headers, share)
    return call.respond(200, _written(node))


async def list_directories_and_files(call: "Call"):
    query = call.request.query
    share = call.share()
    directory = _directory(call)
    include = {part.strip().lower() for part in query.get("include", "").split(",") if part.strip()}
    prefix, marker = query.get("prefix", ""), query.get("marker", "")
    limit = max_results_of(call)
    entries = sorted((node for node in directory.children.values() if node.name.startswith(prefix)), key=lambda n: (n.name.casefold(), n.name))
    if marker:
        entries = [node for node in entries if (node.name.casefold(), node.name) >= (marker.casefold(), marker)]
    page_size = limit or DEFAULT_PAGE
    page, rest = entries[:page_size], entries[page_size:]
    body = listing.entries_xml(call.endpoint, share, call.operation.path, directory, page, prefix, marker, limit, rest[0].name if rest else "", include)
    return call.respond(200, body=body)


HANDLERS = {
    "Create Directory": create_directory,
    "Get Directory Properties": get_directory_properties,
    "Get Directory Metadata": get_directory_properties,
    "Delete Directory": delete_directory,
    "Set Directory Metadata": set_directory_metadata,
    "Set Directory Properties": set_directory_properties,
    "List Directories and Files": list_directories_and_files,
}
