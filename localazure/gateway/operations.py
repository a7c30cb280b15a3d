"""Which Blob REST operation a request is, and which permissions Azure checks for it.

The table follows "Permissions for Blob service operations" in Azure Storage's REST reference
(learn.microsoft.com/rest/api/storageservices/authorize-with-azure-active-directory). An operation that may either
create or overwrite a blob asks for ``blobs/write`` or ``blobs/add/action``; every built-in role holds both or
neither, so the gateway does not look up whether the blob already exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from localazure.gateway.roles import BLOB_SERVICE, Check

CONTAINERS = f"{BLOB_SERVICE}/containers"
BLOBS = f"{BLOB_SERVICE}/containers/blobs"

CONTAINER_READ = f"{CONTAINERS}/read"
CONTAINER_WRITE = f"{CONTAINERS}/write"
CONTAINER_DELETE = f"{CONTAINERS}/delete"
BLOB_READ = f"{BLOBS}/read"
BLOB_WRITE = f"{BLOBS}/write"
BLOB_ADD = f"{BLOBS}/add/action"
BLOB_DELETE = f"{BLOBS}/delete"
TAGS_READ = f"{BLOBS}/tags/read"
TAGS_WRITE = f"{BLOBS}/tags/write"
FILTER = f"{BLOBS}/filter/action"
SUPER_USER = f"{BLOBS}/immutableStorage/runAsSuperUser/action"
WRITE_OR_ADD = (BLOB_WRITE, BLOB_ADD)


@dataclass(frozen=True)
class Operation:
    name: str
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Target:
    """What a request path names: the account, a container, or a blob in a container."""

    account: str
    container: str | None = None
    blob: str | None = None


def parse_path(path: str, query: Mapping[str, str]) -> Target:
    """Split a decoded path-style URL path (``/account/container/blob/name``) into its parts.

    As in Azure, ``/account/name`` without ``restype=container`` (or ``restype=account``) is the blob ``name`` in
    the root container ``$root``.
    """
    parts = path.lstrip("/").split("/", 2)
    account = parts[0]
    container = parts[1] if len(parts) > 1 and parts[1] else None
    blob = parts[2] if len(parts) > 2 and parts[2] else None
    if container is not None and blob is None and query.get("restype", "").lower() not in ("container", "account"):
        return Target(account, "$root", container)
    return Target(account, container, blob)


def classify(method: str, target: Target, query: Mapping[str, str], headers: Mapping[str, str]) -> Operation:
    """The operation and the checks Azure makes for it, from method, target, ``restype``/``comp`` and headers."""
    method = method.upper()
    restype = query.get("restype", "").lower()
    comp = query.get("comp", "").lower()
    if restype == "account" and comp == "properties":
        return Operation("Get Account Information", (Check((f"{BLOB_SERVICE}/getInfo/action",), None),))
    if target.container is None:
        return _account_operation(method, restype, comp)
    if target.blob is None:
        return _container_operation(method, comp, target.container)
    return _blob_operation(method, comp, target, query, headers)


def _one(name: str, permission: str | tuple[str, ...], container: str | None) -> Operation:
    permissions = (permission,) if isinstance(permission, str) else permission
    return Operation(name, (Check(permissions, container),))


def _account_operation(method: str, restype: str, comp: str) -> Operation:
    reading = method in ("GET", "HEAD")
    if comp == "list":
        return _one("List Containers", CONTAINER_READ, None)
    if restype == "service" and comp == "userdelegationkey":
        return _one("Get User Delegation Key", f"{BLOB_SERVICE}/generateUserDelegationKey/action", None)
    if comp == "blobs":
        return _one("Find Blobs by Tags", FILTER, None)
    if comp == "batch":
        return _one("Blob Batch", CONTAINER_WRITE, None)
    if comp == "stats":
        return _one("Get Blob Service Stats", f"{BLOB_SERVICE}/read", None)
    if reading:
        return _one("Get Blob Service Properties", f"{BLOB_SERVICE}/read", None)
    return _one("Set Blob Service Properties", f"{BLOB_SERVICE}/write", None)


def _container_operation(method: str, comp: str, container: str) -> Operation:
    reading = method in ("GET", "HEAD")
    if comp == "list":
        return _one("List Blobs", BLOB_READ, container)
    if comp == "blobs":
        return _one("Find Blobs by Tags in Container", FILTER, container)
    if comp == "acl":
        return _one("Get Container ACL", f"{CONTAINERS}/getAcl/action", container) if reading else _one("Set Container ACL", f"{CONTAINERS}/setAcl/action", container)
    if comp == "batch":
        return _one("Blob Batch", CONTAINER_WRITE, container)
    if method == "DELETE":
        return _one("Delete Container", CONTAINER_DELETE, container)
    if reading:
        return _one("Get Container Properties" if comp != "metadata" else "Get Container Metadata", CONTAINER_READ, container)
    names = {"": "Create Container", "metadata": "Set Container Metadata", "lease": "Lease Container", "undelete": "Restore Container", "rename": "Rename Container"}
    return _one(names.get(comp, f"Container {comp or method}"), CONTAINER_WRITE, container)


def _blob_operation(method: str, comp: str, target: Target, query: Mapping[str, str], headers: Mapping[str, str]) -> Operation:
    container = target.container
    if method == "DELETE":
        if comp == "immutabilitypolicies":
            return _one("Delete Immutability Policy", SUPER_USER, container)
        if query.get("deletetype", "").lower() == "permanent":
            return _one("Delete Blob (permanent)", f"{BLOBS}/permanentDelete/action", container)
        if "versionid" in query:
            return _one("Delete Blob Version", f"{BLOBS}/deleteBlobVersion/action", container)
        return _one("Delete Blob", BLOB_DELETE, container)
    if method in ("GET", "HEAD"):
        if comp == "tags":
            return _one("Get Blob Tags", TAGS_READ, container)
        names = {"": "Get Blob" if method == "GET" else "Get Blob Properties", "metadata": "Get Blob Metadata", "blocklist": "Get Block List", "pagelist": "Get Page Ranges"}
        return _one(names.get(comp, f"Get Blob {comp}"), BLOB_READ, container)
    if method == "POST" and comp == "query":
        return _one("Query Blob Contents", BLOB_READ, container)
    if method != "PUT":
        return _one(f"{method} Blob", BLOB_WRITE, container)
    if comp == "tags":
        return _one("Set Blob Tags", TAGS_WRITE, container)
    if comp == "immutabilitypolicies":
        return _one("Set Immutability Policy", SUPER_USER, container)
    if comp in ("legalhold", "undelete"):
        return _one("Set Blob Legal Hold" if comp == "legalhold" else "Undelete Blob", CONTAINER_WRITE, container)
    creating = {"": "Put Blob", "blocklist": "Put Block List", "appendblock": "Append Block", "snapshot": "Snapshot Blob", "incrementalcopy": "Incremental Copy Blob"}
    writing = {"block": "Put Block", "page": "Put Page", "properties": "Set Blob Properties", "metadata": "Set Blob Metadata", "lease": "Lease Blob", "tier": "Set Blob Tier", "expiry": "Set Blob Expiry", "copy": "Abort Copy Blob"}
    if comp in creating:
        name, checks = creating[comp], [Check(WRITE_OR_ADD, container)]
    else:
        name, checks = writing.get(comp, f"Put Blob {comp}"), [Check((BLOB_WRITE,), container)]
    source = _header(headers, "x-ms-copy-source")
    if source:
        name = {"": "Copy Blob", "block": "Put Block from URL", "page": "Put Page from URL", "appendblock": "Append Block from URL"}.get(comp, name)
        if comp == "" and _header(headers, "x-ms-requires-sync").lower() == "true":
            name = "Copy Blob from URL"
        elif comp == "" and _header(headers, "x-ms-blob-type").lower() == "blockblob":
            name = "Put Blob from URL"
        # The asynchronous Copy Blob reads a source in the same account as the caller. The From-URL operations read
        # the source with its own authorization (SAS, x-ms-copy-source-authorization or public access), which the
        # gateway checks when it fetches it (localazure/gateway/from_url.py), not with the caller's roles.
        source_container = copy_source_container(source, target.account) if name == "Copy Blob" else None
        if source_container is not None:
            checks.append(Check((BLOB_READ,), source_container))
    if _header(headers, "x-ms-tags") and comp in ("", "blocklist"):
        checks.append(Check((TAGS_WRITE,), container))
    return Operation(name, tuple(checks))


def _header(headers: Mapping[str, str], name: str) -> str:
    """A header's value from a case-insensitive mapping (aiohttp's) or a plain dict with any letter case."""
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), "")
    return value


def copy_source_container(source: str, account: str) -> str | None:
    """The container of a copy source in this same account that the caller must be able to read, or None when the
    source is authorized by its own SAS or lives elsewhere (another account reads it anonymously or by SAS)."""
    parts = urlsplit(source)
    if "sig" in parse_qs(parts.query):
        return None
    segments = unquote(parts.path).lstrip("/").split("/", 2)
    if len(segments) < 2 or segments[0] != account or not segments[1]:
        return None
    return segments[1] if len(segments) > 2 and segments[2] else "$root"
