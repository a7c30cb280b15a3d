"""The Data Lake Storage Gen2 REST API (the dfs endpoint): Filesystem and Path operations.

Shapes follow Azure's reference ("Filesystem - *", "Path - Create/Update/Read/List/Delete/Get Properties"); errors
are its JSON codes. Each operation asks the authorizer first, in Azure's order.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote
from typing import TYPE_CHECKING, Mapping

from aiohttp import web

from localazure.datalake import acl as acls
from localazure.datalake.authorizer import MOVE
from localazure.datalake.credentials import Identity
from localazure.datalake.errors import DataLakeError, invalid, path_exists, path_not_found, permission_mismatch
from localazure.datalake.requirements import Need
from localazure.datalake.recursive import set_acl_recursive
from localazure.datalake.store import Filesystem, Node, decode_properties, encode_properties, http_date, normalize, parent_of
from localazure.gateway.operations import BLOB_DELETE, CONTAINER_DELETE, CONTAINER_READ, CONTAINER_WRITE

if TYPE_CHECKING:
    from localazure.datalake.account import Account

CONTENT_HEADERS = {
    "x-ms-content-type": "Content-Type",
    "x-ms-content-encoding": "Content-Encoding",
    "x-ms-content-language": "Content-Language",
    "x-ms-content-disposition": "Content-Disposition",
    "x-ms-cache-control": "Cache-Control",
    "x-ms-content-md5": "Content-MD5",
}


def _ok(status: int = 200, headers: Mapping[str, str] | None = None, body: bytes | None = None) -> web.Response:
    return web.Response(status=status, headers={"x-ms-version": "2025-11-05", **(headers or {})}, body=body)


def _json(payload: dict, headers: Mapping[str, str] | None = None) -> web.Response:
    return _ok(200, {"Content-Type": "application/json;charset=utf-8", **(headers or {})}, json.dumps(payload).encode())


def _filetime(timestamp: float) -> str:
    return str(int((timestamp + 11644473600) * 10_000_000))


def _conditions(request: web.Request, node: Node | None) -> None:
    if request.headers.get("If-None-Match") == "*" and node is not None:
        raise path_exists()
    match = request.headers.get("If-Match")
    if match and (node is None or (match != "*" and match != node.etag)):
        raise DataLakeError(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.")
    none_match = request.headers.get("If-None-Match")
    if none_match and none_match != "*" and node is not None and none_match == node.etag:
        raise DataLakeError(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.")


def _content_headers(request: web.Request) -> dict[str, str]:
    return {standard: request.headers[name] for name, standard in CONTENT_HEADERS.items() if request.headers.get(name)}


def _bool(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").lower() == "true"


async def handle(account: "Account", request: web.Request, identity: Identity, fs_name: str | None, path: str, query: Mapping[str, str]) -> web.StreamResponse:
    method = request.method
    if fs_name is None:
        if method == "GET" and query.get("resource") == "account":
            return list_filesystems(account, identity, query)
        raise invalid("InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid.")
    if query.get("resource") == "filesystem" or (not path and "action" not in query and method in ("PUT", "DELETE") and "x-ms-rename-source" not in request.headers):
        return filesystem_operation(account, request, identity, fs_name, query)
    fs = account.store.filesystem(fs_name)
    if method == "PUT":
        if request.headers.get("x-ms-rename-source"):
            return rename(account, request, identity, fs, path)
        return create(account, request, identity, fs, path, query)
    if method == "PATCH":
        return await update(account, request, identity, fs, path, query)
    if method == "HEAD":
        return properties(account, identity, fs, path, query)
    if method == "GET":
        node = account.store.existing(fs, path)
        account.authorizer.permit(identity, fs.name, Need.READ, "Read Path", account.store.ancestors(fs, path), (path, node.access))
        return await account.send_content(request, node, {"x-ms-version": "2025-11-05"})
    if method == "DELETE":
        return delete(account, request, identity, fs, path, query)
    raise DataLakeError(405, "UnsupportedHttpVerb", "The resource doesn't support the specified HTTP verb.")


def list_filesystems(account: "Account", identity: Identity, query: Mapping[str, str]) -> web.Response:
    account.authorizer.require_role(identity, None, (CONTAINER_READ,), "List Filesystems")
    prefix = query.get("prefix", "")
    names = sorted(n for n in account.store.filesystems if n.startswith(prefix))
    items = [{"name": n, "lastModified": http_date(account.store.filesystems[n].created), "etag": account.store.filesystems[n].etag} for n in names]
    return _json({"filesystems": items})


def filesystem_operation(account: "Account", request: web.Request, identity: Identity, name: str, query: Mapping[str, str]) -> web.Response:
    store, method = account.store, request.method
    if method == "PUT":
        account.authorizer.require_role(identity, name, (CONTAINER_WRITE,), "Create Filesystem")
        fs = store.create_filesystem(name, decode_properties(request.headers.get("x-ms-properties")))
        return _ok(201, {"ETag": fs.etag, "Last-Modified": http_date(fs.created), "x-ms-namespace-enabled": "true"})
    if method == "DELETE":
        account.authorizer.require_role(identity, name, (CONTAINER_DELETE,), "Delete Filesystem")
        store.delete_filesystem(name)
        return _ok(202)
    fs = store.filesystem(name)
    if method == "HEAD":
        account.authorizer.require_role(identity, name, (CONTAINER_READ,), "Get Filesystem Properties")
        return _ok(200, {"ETag": fs.etag, "Last-Modified": http_date(fs.created), "x-ms-namespace-enabled": "true", "x-ms-properties": encode_properties(fs.metadata)})
    if method == "PATCH":
        account.authorizer.require_role(identity, name, (CONTAINER_WRITE,), "Set Filesystem Properties")
        fs.metadata = decode_properties(request.headers.get("x-ms-properties"))
        return _ok(200, {"ETag": fs.etag, "Last-Modified": http_date(fs.created)})
    return list_paths(account, identity, fs, query)


def list_paths(account: "Account", identity: Identity, fs: Filesystem, query: Mapping[str, str]) -> web.Response:
    store = account.store
    directory = normalize(query.get("directory") or "")
    node = store.existing(fs, directory)
    if not node.is_directory:
        raise path_not_found()
    account.authorizer.permit(identity, fs.name, Need.LIST, "List Paths", store.ancestors(fs, directory) if directory else [], (directory, node.access))
    upn = _bool(query, "upn")
    names = store.children(fs, directory, _bool(query, "recursive"))
    start = query.get("continuation")
    if start:
        after = base64.urlsafe_b64decode(start.encode()).decode()
        names = [n for n in names if n.split("/") > after.split("/")]
    limit = int(query.get("maxresults") or 5000)
    page, rest = names[:limit], names[limit:]
    entries = []
    for name in page:
        item = fs.paths[name]
        entry = {"name": name, "lastModified": http_date(item.modified), "etag": item.etag, "contentLength": str(item.length), "owner": account.owner_text(item.access.owner, upn), "group": account.owner_text(item.access.group, upn), "permissions": item.access.permissions(), "creationTime": _filetime(item.created)}
        if item.is_directory:
            entry["isDirectory"] = "true"
        entries.append(entry)
    headers = {"x-ms-continuation": base64.urlsafe_b64encode(page[-1].encode()).decode()} if rest else {}
    return _json({"paths": entries}, headers)


def create(account: "Account", request: web.Request, identity: Identity, fs: Filesystem, path: str, query: Mapping[str, str]) -> web.Response:
    resource = query.get("resource")
    if resource not in ("file", "directory"):
        raise invalid("InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid. resource must be file or directory.")
    store, authorizer = account.store, account.authorizer
    existing = store.node(fs, path)
    _conditions(request, existing)
    authorizer.permit(identity, fs.name, Need.CREATE, "Create Path", store.ancestors(fs, path), (path, existing.access) if existing else None)
    owner, group = request.headers.get("x-ms-owner"), request.headers.get("x-ms-group")
    if (owner or group) and not authorizer.may_change_owner(identity, fs.name):
        raise permission_mismatch()
    try:
        access = None
        if request.headers.get("x-ms-acl"):
            parent = store.node(fs, parent_of(path))
            base = acls.new_child(parent.access if parent else fs.root.access, identity.object_id, resource == "directory", None, None)
            access = acls.set_acl(base, request.headers["x-ms-acl"], resource == "directory")
        with store.lock:
            node = store.create(fs, path, resource == "directory", identity.object_id, request.headers.get("x-ms-permissions"), request.headers.get("x-ms-umask"), access)
    except acls.AclError as error:
        raise invalid("InvalidAccessControlList" if "ACL" in str(error) or "entr" in str(error) else "InvalidPermission", str(error)) from None
    if owner or group:
        node.access = acls.Access(owner.lower() if owner else node.access.owner, group.lower() if group else node.access.group, node.access.acl, node.access.default, node.access.sticky)
    node.metadata = decode_properties(request.headers.get("x-ms-properties"))
    node.headers = _content_headers(request)
    return _ok(201, {"ETag": node.etag, "Last-Modified": http_date(node.modified), "Content-Length": "0", "x-ms-request-server-encrypted": "false"})


def rename(account: "Account", request: web.Request, identity: Identity, fs: Filesystem, path: str) -> web.Response:

    store, authorizer = account.store, account.authorizer
    source_fs_name, source, _ = rename_source(request.headers["x-ms-rename-source"])
    source_fs = store.filesystem(source_fs_name)
    node = store.node(source_fs, source)
    if node is None:
        raise DataLakeError(404, "SourcePathNotFound", "The source path for a rename operation does not exist.")
    target = store.node(fs, path)
    _conditions(request, target)
    authorizer.permit(identity, source_fs.name, Need.DELETE, "Rename Path (source)", store.ancestors(source_fs, source), (source, node.access), permissions=(MOVE,))
    authorizer.permit(identity, fs.name, Need.CREATE, "Rename Path (destination)", store.ancestors(fs, path), (path, target.access) if target else None, permissions=(MOVE,))
    moved = store.move(source_fs, source, fs, path, identity.object_id)
    return _ok(201, {"ETag": moved.etag, "Last-Modified": http_date(moved.modified), "Content-Length": "0"})


async def update(account: "Account", request: web.Request, identity: Identity, fs: Filesystem, path: str, query: Mapping[str, str]) -> web.Response:

    store, authorizer = account.store, account.authorizer
    action = query.get("action", "")
    node = store.existing(fs, path)
    ancestors = store.ancestors(fs, path) if path else []
    if action == "setAccessControlRecursive":
        return _json(*set_acl_recursive(account, identity, fs, path, query, request.headers.get("x-ms-acl", "")))
    if action == "setAccessControl":
        return set_access_control(account, request, identity, fs, path, node, ancestors)
    _conditions(request, node)
    authorizer.permit(identity, fs.name, Need.WRITE, {"append": "Append Data", "flush": "Flush Data"}.get(action, "Update Path"), ancestors, (path, node.access))
    if action == "append":
        position = _position(query)
        count = await store.append(node, position, request.content.iter_any())
        if _bool(query, "flush"):
            store.flush(node, position + count)
        return _ok(202, {"ETag": node.etag, "x-ms-request-server-encrypted": "false", "Content-Length": "0"})
    if action == "flush":
        store.flush(node, _position(query), _bool(query, "retainuncommitteddata"))
        node.headers.update(_content_headers(request))
        return _ok(200, {"ETag": node.etag, "Last-Modified": http_date(node.modified), "Content-Length": "0", "x-ms-request-server-encrypted": "false"})
    if action == "setProperties":
        if request.headers.get("x-ms-properties") is not None:
            node.metadata = decode_properties(request.headers.get("x-ms-properties"))
        node.headers.update(_content_headers(request))
        node.touch()
        return _ok(200, {"ETag": node.etag, "Last-Modified": http_date(node.modified)})
    raise invalid("InvalidQueryParameterValue", f"Value for one of the query parameters specified in the request URI is invalid: action={action!r}.")


def _position(query: Mapping[str, str]) -> int:
    try:
        position = int(query["position"])
    except (KeyError, ValueError):
        raise invalid("InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid: position.") from None
    if position < 0:
        raise invalid("InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid: position.")
    return position


def set_access_control(account: "Account", request: web.Request, identity: Identity, fs: Filesystem, path: str, node: Node, ancestors) -> web.Response:
    authorizer = account.authorizer
    _conditions(request, node)
    authorizer.permit(identity, fs.name, Need.TRAVERSE, "Set Access Control", ancestors, (path, node.access))
    owner, group = request.headers.get("x-ms-owner"), request.headers.get("x-ms-group")
    permissions, acl_text = request.headers.get("x-ms-permissions"), request.headers.get("x-ms-acl")
    if permissions and acl_text:
        raise invalid("InvalidRequest", "x-ms-permissions and x-ms-acl are mutually exclusive.")
    if owner and owner.lower() != node.access.owner and not authorizer.may_change_owner(identity, fs.name):
        raise permission_mismatch()
    if group and group.lower() != node.access.group and not authorizer.may_change_group(identity, fs.name, node.access, group.lower()):
        raise permission_mismatch()
    if (permissions or acl_text) and not authorizer.may_change_acl(identity, fs.name, node.access):
        raise permission_mismatch()
    access = node.access
    try:
        if acl_text:
            access = acls.set_acl(access, acl_text, node.is_directory)
        if permissions:
            access = acls.set_permissions(access, permissions)
    except acls.AclError as error:
        raise invalid("InvalidAccessControlList" if acl_text else "InvalidPermission", str(error)) from None
    if owner or group:
        access = acls.Access(owner.lower() if owner else access.owner, group.lower() if group else access.group, access.acl, access.default, access.sticky)
    node.access = access
    node.touch()
    return _ok(200, {"ETag": node.etag, "Last-Modified": http_date(node.modified)})


def properties(account: "Account", identity: Identity, fs: Filesystem, path: str, query: Mapping[str, str]) -> web.Response:
    node = account.store.existing(fs, path)
    action = query.get("action", "")
    account.authorizer.permit(identity, fs.name, Need.TRAVERSE, "Get Path Properties", account.store.ancestors(fs, path) if path else [], (path, node.access))
    headers = account.path_headers(node, upn=_bool(query, "upn"), acl=action == "getAccessControl")
    if action == "getStatus":
        headers.pop("x-ms-properties", None)
    return _ok(200, headers)


def delete(account: "Account", request: web.Request, identity: Identity, fs: Filesystem, path: str, query: Mapping[str, str]) -> web.Response:
    store = account.store
    node = store.existing(fs, path)
    _conditions(request, node)
    recursive = _bool(query, "recursive")
    inside = store.subtree(fs, path) if node.is_directory else []
    if inside and not recursive:
        raise DataLakeError(409, "DirectoryNotEmpty", "The recursive query parameter value must be true to delete a non-empty directory.")
    directories = [(path, node.access)] + [(p, fs.paths[p].access) for p in inside if fs.paths[p].is_directory] if node.is_directory and recursive else []
    need = Need.DELETE_RECURSIVE if directories else Need.DELETE
    account.authorizer.permit(identity, fs.name, need, "Delete Path", store.ancestors(fs, path), (path, node.access), directories, permissions=(BLOB_DELETE,))
    if len(inside) > account.delete_page_size:  # deepest first, the rest on the next call
        for inner in sorted(inside, key=lambda p: p.count("/"), reverse=True)[: account.delete_page_size]:
            if not store.subtree(fs, inner):
                store.delete(fs, inner)
        return _ok(200, {"x-ms-continuation": base64.urlsafe_b64encode(path.encode()).decode()})
    store.delete(fs, path)
    return _ok(200)


def rename_source(header: str) -> tuple[str, str, str]:
    """``x-ms-rename-source``: /filesystem/path[?sas] -> (filesystem, path, sas query)."""
    source, _, sas = header.partition("?")
    parts = unquote(source).lstrip("/").split("/", 1)
    if len(parts) < 2 or not parts[1].strip("/"):
        raise DataLakeError(400, "InvalidSourceUri", "The source URI is invalid.")
    return parts[0], normalize(parts[1]), sas
