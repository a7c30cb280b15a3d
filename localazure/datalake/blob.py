"""The Blob REST API of the hierarchical-namespace account, over the same store as the dfs endpoint: enough for
azure-storage-blob's basic operations (containers, Put Blob, Put Block / Put Block List, Get Blob, properties,
metadata, List Blobs with prefix and delimiter, Delete Blob). Directories appear as zero-length blobs with the
metadata ``hdi_isfolder=true``; a blob written here creates its parent directories. The same ACLs apply.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ElementTree
from typing import TYPE_CHECKING, Mapping
from xml.sax.saxutils import escape

from aiohttp import web

from localazure.datalake.credentials import Identity
from localazure.datalake.errors import DataLakeError, invalid
from localazure.datalake.requirements import Need
from localazure.datalake.store import Filesystem, Node, http_date, parent_of
from localazure.gateway.operations import BLOB_DELETE, CONTAINER_DELETE, CONTAINER_READ, CONTAINER_WRITE

if TYPE_CHECKING:
    from localazure.datalake.account import Account

BLOB_CODES = {"FilesystemNotFound": "ContainerNotFound", "PathNotFound": "BlobNotFound", "FilesystemAlreadyExists": "ContainerAlreadyExists", "PathAlreadyExists": "BlobAlreadyExists"}
BLOB_CONTENT_HEADERS = {
    "x-ms-blob-content-type": "Content-Type",
    "x-ms-blob-content-encoding": "Content-Encoding",
    "x-ms-blob-content-language": "Content-Language",
    "x-ms-blob-content-disposition": "Content-Disposition",
    "x-ms-blob-cache-control": "Cache-Control",
    "x-ms-blob-content-md5": "Content-MD5",
}
XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>'


def _ok(status: int = 200, headers: Mapping[str, str] | None = None, body: str | None = None) -> web.Response:
    all_headers = {"x-ms-version": "2025-11-05", **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/xml"
    return web.Response(status=status, headers=all_headers, body=body.encode() if body is not None else None)


def _metadata(request: web.Request) -> dict[str, str]:
    return {name[len("x-ms-meta-"):]: value for name, value in request.headers.items() if name.lower().startswith("x-ms-meta-")}


async def handle(account: "Account", request: web.Request, identity: Identity, fs_name: str | None, path: str, query: Mapping[str, str]) -> web.StreamResponse:
    try:
        if fs_name is None:
            return account_operation(account, request, identity, query)
        if not path:
            return container_operation(account, request, identity, fs_name, query)
        return await blob_operation(account, request, identity, account.store.filesystem(fs_name), path, query)
    except DataLakeError as error:
        if error.code in BLOB_CODES:
            raise DataLakeError(error.status, BLOB_CODES[error.code], error.message.replace("path", "blob").replace("filesystem", "container")) from None
        raise


def account_operation(account: "Account", request: web.Request, identity: Identity, query: Mapping[str, str]) -> web.Response:
    if query.get("restype") == "account" and query.get("comp") == "properties":
        account.authorizer.require_role(identity, None, (CONTAINER_READ,), "Get Account Information")
        return _ok(200, {"x-ms-sku-name": "Standard_LRS", "x-ms-account-kind": "StorageV2", "x-ms-is-hns-enabled": "true"})
    if query.get("comp") != "list":
        raise invalid("UnsupportedQueryParameter", "One of the query parameters specified in the request URI is not supported.")
    account.authorizer.require_role(identity, None, (CONTAINER_READ,), "List Containers")
    prefix = query.get("prefix", "")
    with_metadata = "metadata" in query.get("include", "")
    parts = []
    for name in sorted(n for n in account.store.filesystems if n.startswith(prefix)):
        fs = account.store.filesystems[name]
        metadata = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fs.metadata.items()) if with_metadata else ""
        parts.append(f"<Container><Name>{escape(name)}</Name><Properties><Last-Modified>{http_date(fs.created)}</Last-Modified><Etag>{fs.etag}</Etag><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState><HasImmutabilityPolicy>false</HasImmutabilityPolicy><HasLegalHold>false</HasLegalHold><IsHierarchicalNamespaceEnabled>true</IsHierarchicalNamespaceEnabled></Properties><Metadata>{metadata}</Metadata></Container>")
    endpoint = f"{request.scheme}://{request.host}/{account.name}/"
    return _ok(200, body=f'{XML_HEAD}<EnumerationResults ServiceEndpoint="{escape(endpoint)}"><Prefix>{escape(prefix)}</Prefix><Containers>{"".join(parts)}</Containers><NextMarker /></EnumerationResults>')


def container_operation(account: "Account", request: web.Request, identity: Identity, name: str, query: Mapping[str, str]) -> web.Response:
    store, authorizer, method, comp = account.store, account.authorizer, request.method, query.get("comp", "")
    if comp == "list":
        return list_blobs(account, request, identity, store.filesystem(name), query)
    if method == "PUT" and not comp:
        authorizer.require_role(identity, name, (CONTAINER_WRITE,), "Create Container")
        fs = store.create_filesystem(name, _metadata(request))
        return _ok(201, {"ETag": fs.etag, "Last-Modified": http_date(fs.created)})
    if method == "DELETE":
        authorizer.require_role(identity, name, (CONTAINER_DELETE,), "Delete Container")
        store.delete_filesystem(name)
        return _ok(202)
    fs = store.filesystem(name)
    if method == "PUT" and comp == "metadata":
        authorizer.require_role(identity, name, (CONTAINER_WRITE,), "Set Container Metadata")
        fs.metadata = _metadata(request)
        return _ok(200, {"ETag": fs.etag, "Last-Modified": http_date(fs.created)})
    if method in ("GET", "HEAD") and comp == "acl":
        authorizer.require_role(identity, name, (CONTAINER_READ,), "Get Container ACL")
        return _ok(200, {"ETag": fs.etag, "Last-Modified": http_date(fs.created)}, None if method == "HEAD" else f"{XML_HEAD}<SignedIdentifiers />")
    if method in ("GET", "HEAD"):
        authorizer.require_role(identity, name, (CONTAINER_READ,), "Get Container Properties")
        headers = {"ETag": fs.etag, "Last-Modified": http_date(fs.created), "x-ms-lease-status": "unlocked", "x-ms-lease-state": "available", "x-ms-has-immutability-policy": "false", "x-ms-has-legal-hold": "false", "x-ms-default-encryption-scope": "$account-encryption-key", "x-ms-deny-encryption-scope-override": "false"}
        headers.update({f"x-ms-meta-{k}": v for k, v in fs.metadata.items()})
        return _ok(200, headers)
    raise invalid("UnsupportedQueryParameter", f"This Blob endpoint does not support comp={comp!r} on a container.")


def _blob_xml(account: "Account", name: str, node: Node, with_metadata: bool) -> str:
    content_type = node.headers.get("Content-Type", "application/octet-stream")
    md5 = node.headers.get("Content-MD5", "")
    metadata = dict(node.metadata) | ({"hdi_isfolder": "true"} if node.is_directory else {})
    meta_xml = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in metadata.items()) if with_metadata else ""
    return (
        f"<Blob><Name>{escape(name)}</Name><Properties><Creation-Time>{http_date(node.created)}</Creation-Time><Last-Modified>{http_date(node.modified)}</Last-Modified>"
        f"<Etag>{node.etag}</Etag><Content-Length>{node.length}</Content-Length><Content-Type>{escape(content_type)}</Content-Type><Content-MD5>{md5}</Content-MD5>"
        f"<BlobType>BlockBlob</BlobType><AccessTier>Hot</AccessTier><AccessTierInferred>true</AccessTierInferred><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>"
        f"<ServerEncrypted>false</ServerEncrypted><ResourceType>{'directory' if node.is_directory else 'file'}</ResourceType><Owner>{node.access.owner}</Owner><Group>{node.access.group}</Group>"
        f"<Permissions>{node.access.permissions()}</Permissions></Properties><Metadata>{meta_xml}</Metadata></Blob>"
    )


def list_blobs(account: "Account", request: web.Request, identity: Identity, fs: Filesystem, query: Mapping[str, str]) -> web.Response:
    """Flat or hierarchical (``delimiter``) listing in name order; with a delimiter, a directory shows both as its
    own ``hdi_isfolder`` blob and as a BlobPrefix, as on an account with a hierarchical namespace."""
    store = account.store
    prefix, delimiter = query.get("prefix", ""), query.get("delimiter", "")
    directory = parent_of(prefix) if "/" in prefix else ""
    start = store.node(fs, directory)
    if start is None or not start.is_directory:
        start, directory = fs.root, ""
    account.authorizer.permit(identity, fs.name, Need.LIST, "List Blobs", store.ancestors(fs, directory) if directory else [], (directory, start.access))
    names = sorted(n for n in store.subtree(fs, "") if n.startswith(prefix))
    marker = query.get("marker")
    if marker:
        names = [n for n in names if n > base64.urlsafe_b64decode(marker.encode()).decode()]
    items: list[tuple[str, str]] = []  # (sort name, xml)
    seen_prefixes: set[str] = set()
    limit = int(query.get("maxresults") or 5000)
    last = ""
    for name in names:
        if len(items) >= limit:
            break
        rest = name[len(prefix):]
        if delimiter and delimiter in rest:
            common = prefix + rest.split(delimiter, 1)[0] + delimiter
            if common not in seen_prefixes:
                seen_prefixes.add(common)
                items.append((common, f"<BlobPrefix><Name>{escape(common)}</Name></BlobPrefix>"))
            last = name
            continue
        items.append((name, _blob_xml(account, name, fs.paths[name], "metadata" in query.get("include", ""))))
        last = name
    more = bool(names) and last != names[-1] and len(items) >= limit
    next_marker = base64.urlsafe_b64encode(last.encode()).decode() if more else ""
    endpoint = f"{request.scheme}://{request.host}/{account.name}/"
    body = (
        f'{XML_HEAD}<EnumerationResults ServiceEndpoint="{escape(endpoint)}" ContainerName="{escape(fs.name)}"><Prefix>{escape(prefix)}</Prefix>'
        f"{f'<Delimiter>{escape(delimiter)}</Delimiter>' if delimiter else ''}<Blobs>{''.join(x for _, x in items)}</Blobs><NextMarker>{next_marker}</NextMarker></EnumerationResults>"
    )
    return _ok(200, body=body)


async def blob_operation(account: "Account", request: web.Request, identity: Identity, fs: Filesystem, path: str, query: Mapping[str, str]) -> web.StreamResponse:
    store, authorizer, method, comp = account.store, account.authorizer, request.method, query.get("comp", "")
    node = store.node(fs, path)
    ancestors = store.ancestors(fs, path)
    if method in ("GET", "HEAD") and comp in ("", "metadata"):
        if node is None:
            raise DataLakeError(404, "BlobNotFound", "The specified blob does not exist.")
        if method == "HEAD" or comp == "metadata":
            authorizer.permit(identity, fs.name, Need.TRAVERSE, "Get Blob Properties", ancestors, (path, node.access))
            return _ok(200, account.path_headers(node))
        authorizer.permit(identity, fs.name, Need.READ, "Get Blob", ancestors, (path, node.access))
        return await account.send_content(request, node, {"x-ms-version": "2025-11-05"})
    if method == "DELETE":
        if node is None:
            raise DataLakeError(404, "BlobNotFound", "The specified blob does not exist.")
        if node.is_directory and store.subtree(fs, path):
            raise DataLakeError(409, "DirectoryIsNotEmpty", "This operation is not permitted on a non-empty directory.")
        authorizer.permit(identity, fs.name, Need.DELETE, "Delete Blob", ancestors, (path, node.access), permissions=(BLOB_DELETE,))
        store.delete(fs, path)
        return _ok(202)
    if method != "PUT":
        raise DataLakeError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.")
    if comp == "block":
        authorizer.permit(identity, fs.name, Need.WRITE if node else Need.CREATE, "Put Block", ancestors, (path, node.access) if node else None)
        scratch = store.scratch()
        with open(scratch, "wb") as handle:
            async for chunk in request.content.iter_any():
                handle.write(chunk)
        old = store.staged.setdefault((fs.name, path), {}).pop(query.get("blockid", ""), None)
        if old is not None:
            old.unlink(missing_ok=True)
        store.staged[(fs.name, path)][query.get("blockid", "")] = scratch
        return _ok(201, {"x-ms-request-server-encrypted": "false"})
    if comp in ("metadata", "properties"):
        if node is None:
            raise DataLakeError(404, "BlobNotFound", "The specified blob does not exist.")
        authorizer.permit(identity, fs.name, Need.WRITE, "Set Blob Metadata" if comp == "metadata" else "Set Blob Properties", ancestors, (path, node.access))
        if comp == "metadata":
            node.metadata = {k: v for k, v in _metadata(request).items() if k.lower() != "hdi_isfolder"}
        else:
            node.headers = {standard: request.headers[name] for name, standard in BLOB_CONTENT_HEADERS.items() if request.headers.get(name)}
        node.touch()
        return _ok(200, {"ETag": node.etag, "Last-Modified": http_date(node.modified)})
    if comp in ("appendblock", "page") or (comp == "" and request.headers.get("x-ms-blob-type", "BlockBlob") != "BlockBlob"):
        raise DataLakeError(409, "FeatureNotYetSupportedForHierarchicalNamespaceAccounts", "This operation is not yet supported for this account: only block blobs are served here.")
    if comp not in ("", "blocklist"):
        raise invalid("UnsupportedQueryParameter", f"This Blob endpoint does not support comp={comp!r} on a blob.")
    return await put_blob(account, request, identity, fs, path, node, ancestors, comp == "blocklist")


async def put_blob(account: "Account", request: web.Request, identity: Identity, fs: Filesystem, path: str, node: Node | None, ancestors, block_list: bool) -> web.Response:
    store, authorizer = account.store, account.authorizer
    if request.headers.get("If-None-Match") == "*" and node is not None:
        raise DataLakeError(409, "BlobAlreadyExists", "The specified blob already exists.")
    metadata = _metadata(request)
    folder = {k.lower(): v for k, v in metadata.items()}.get("hdi_isfolder", "").lower() == "true"
    if node is not None and node.is_directory and not folder:
        raise DataLakeError(409, "PathConflict" if store.subtree(fs, path) else "BlobAlreadyExists", "The specified path, or an element of the path, exists and its resource type is invalid for this operation.")
    if node is not None and not node.is_directory:
        authorizer.permit(identity, fs.name, Need.WRITE, "Put Block List" if block_list else "Put Blob", ancestors, (path, node.access))
    else:
        authorizer.permit(identity, fs.name, Need.CREATE, "Put Block List" if block_list else "Put Blob", ancestors, None)
    scratch, length = store.scratch(), 0
    staged = store.staged.get((fs.name, path), {})
    with open(scratch, "wb") as handle:
        if block_list:
            body = await request.read()
            try:
                ids = [element.text or "" for element in ElementTree.fromstring(body)]
            except ElementTree.ParseError:
                raise invalid("InvalidXmlDocument", "XML specified is not syntactically valid.") from None
            for block_id in ids:
                if block_id not in staged:
                    scratch.unlink(missing_ok=True)
                    raise invalid("InvalidBlockList", "The specified block list is invalid.")
                with open(staged[block_id], "rb") as piece:
                    while chunk := piece.read(1 << 20):
                        handle.write(chunk)
                        length += len(chunk)
        else:
            async for chunk in request.content.iter_any():
                handle.write(chunk)
                length += len(chunk)
    if folder and length == 0:
        scratch.unlink(missing_ok=True)
        node = store.create(fs, path, True, identity.object_id)
    else:
        node = store.create(fs, path, False, identity.object_id)
        store.replace_content(node, scratch, length)
    node.metadata = {k: v for k, v in metadata.items() if k.lower() != "hdi_isfolder"}
    node.headers = {standard: request.headers[name] for name, standard in BLOB_CONTENT_HEADERS.items() if request.headers.get(name)}
    if block_list:
        for piece in store.staged.pop((fs.name, path), {}).values():
            piece.unlink(missing_ok=True)
    return _ok(201, {"ETag": node.etag, "Last-Modified": http_date(node.modified), "x-ms-request-server-encrypted": "false", "Content-Length": "0"})
