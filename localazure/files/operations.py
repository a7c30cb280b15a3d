"""Which File REST operation a request is, and what each kind of credential needs for it.

RBAC follows "Permissions for File service operations" (learn.microsoft.com/rest/api/storageservices/
authorize-with-azure-active-directory): file and directory operations need ``fileShares/files/read`` (or ``write``)
together with ``readFileBackupSemantics`` (or ``writeFileBackupSemantics``); Delete File and Delete Directory need
``write``, as that table says; setting a file permission also needs ``modifypermissions``. Service and share
operations are management operations (``fileServices/shares/...``), held by no data role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from localazure.gateway.roles import FILE_SERVICE, Check

FILES = f"{FILE_SERVICE}/fileshares/files"
READ = (Check((f"{FILES}/read",), None), Check((f"{FILE_SERVICE}/readFileBackupSemantics/action",), None))
WRITE = (Check((f"{FILES}/write",), None), Check((f"{FILE_SERVICE}/writeFileBackupSemantics/action",), None))
MODIFY_PERMISSIONS = Check((f"{FILES}/modifypermissions/action",), None)


@dataclass(frozen=True)
class Operation:
    name: str
    level: str  # service | share | directory | file
    share: str | None
    path: str  # inside the share, '' for the root directory
    writes: bool
    sas_permissions: str  # any one of these SAS permission letters
    sas_resource_type: str  # account SAS srt letter: s (service), c (share, listing), o (directories and files)
    rbac: tuple[Check, ...]  # every one must hold (bearer tokens)
    management: bool = False  # a share or service operation: bearer tokens need the management API version


def split_path(path: str) -> tuple[str, str | None, str]:
    """``/account/share/dir/file`` (decoded) -> (account, share or None, path inside the share)."""
    parts = path.lstrip("/").split("/", 2)
    share = parts[1] if len(parts) > 1 and parts[1] else None
    return parts[0], share, parts[2].strip("/") if len(parts) > 2 else ""


def _scoped(checks: tuple[Check, ...], share: str | None) -> tuple[Check, ...]:
    return tuple(Check(check.permissions, share) for check in checks)


def _management(name: str, share: str | None, action: str, writes: bool, sas: str, srt: str) -> Operation:
    return Operation(name, "share" if share else "service", share, "", writes, sas, srt,
                     (Check((f"{FILE_SERVICE}/{action}",), share),), management=True)


def classify(method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]) -> Operation:
    method = method.upper()
    restype, comp = query.get("restype", "").lower(), query.get("comp", "").lower()
    _, share, inner = split_path(path)
    reading = method in ("GET", "HEAD")
    if share is None:
        if comp == "list":
            return _management("List Shares", None, "shares/read", False, "l", "s")
        if reading:
            return _management("Get File Service Properties", None, "read", False, "r", "s")
        return _management("Set File Service Properties", None, "write", True, "w", "s")
    if restype == "share":
        if comp == "filepermission":
            if reading:
                return Operation("Get Permission", "share", share, "", False, "r", "c", _scoped(READ, share))
            return Operation("Create Permission", "share", share, "", True, "cw", "c", _scoped(WRITE[1:] + (MODIFY_PERMISSIONS,), share))
        if method == "DELETE":
            return _management("Delete Share", share, "shares/delete", True, "d", "c")
        if reading:
            names = {"": "Get Share Properties", "metadata": "Get Share Metadata", "acl": "Get Share ACL", "stats": "Get Share Stats"}
            return _management(names.get(comp, f"Get Share {comp}"), share, "shares/read", False, "r", "c")
        names = {"": "Create Share", "snapshot": "Snapshot Share", "properties": "Set Share Properties", "metadata": "Set Share Metadata", "acl": "Set Share ACL", "lease": "Lease Share"}
        return _management(names.get(comp, f"Set Share {comp}"), share, "shares/write", True, "cw" if comp in ("", "snapshot") else "w", "c")
    if restype == "directory":
        if comp == "list":
            return Operation("List Directories and Files", "directory", share, inner, False, "l", "c", _scoped(READ, share))
        if comp == "listhandles" and reading:
            return Operation("List Handles", "directory", share, inner, False, "l", "o", _scoped(READ, share))
        if method == "DELETE":
            return Operation("Delete Directory", "directory", share, inner, True, "d", "o", _scoped(WRITE, share))
        if reading:
            return Operation("Get Directory Metadata" if comp == "metadata" else "Get Directory Properties", "directory", share, inner, False, "r", "o", _scoped(READ, share))
        checks = WRITE + ((MODIFY_PERMISSIONS,) if comp == "properties" and _sets_permission(headers) else ())
        names = {"": "Create Directory", "metadata": "Set Directory Metadata", "properties": "Set Directory Properties"}
        return Operation(names.get(comp, f"Directory {comp}"), "directory", share, inner, True, "cw" if comp == "" else "w", "o", _scoped(checks, share))
    if method == "DELETE":
        return Operation("Delete File", "file", share, inner, True, "d", "o", _scoped(WRITE, share))
    if reading:
        names = {"": "Get File" if method == "GET" else "Get File Properties", "metadata": "Get File Metadata", "rangelist": "List Ranges", "listhandles": "List Handles"}
        return Operation(names.get(comp, f"Get File {comp}"), "file", share, inner, False, "r", "o", _scoped(READ, share))
    checks = WRITE
    if comp == "forceclosehandles":
        return Operation("Force Close Handles", "file", share, inner, True, "w", "o", _scoped(WRITE, share))
    if comp == "rename":  # the destination's write: the source is in the same share (Rename File)
        return Operation("Rename File", "file", share, inner, True, "w", "o", _scoped(WRITE + _permission_checks(headers), share))
    if comp not in ("", "range", "copy", "properties", "metadata", "lease"):
        return Operation(f"File {comp}", "file", share, inner, True, "w", "o", _scoped(WRITE, share))
    if comp == "range":
        name = "Put Range from URL" if headers.get("x-ms-copy-source") else "Put Range"
    elif comp == "copy":
        name = "Abort Copy File"
    elif comp in ("properties", "metadata", "lease"):
        name = {"properties": "Set File Properties", "metadata": "Set File Metadata", "lease": "Lease File"}[comp]
    elif headers.get("x-ms-copy-source"):
        name = "Copy File"
    else:
        name = "Create File"
    if name in ("Set File Properties", "Copy File", "Create File") and _sets_permission(headers):
        checks = checks + (MODIFY_PERMISSIONS,)
    sas = "cw" if name in ("Create File", "Copy File") else "w"
    return Operation(name, "file", share, inner, True, sas, "o", _scoped(checks, share))


def _permission_checks(headers: Mapping[str, str]) -> tuple[Check, ...]:
    return (MODIFY_PERMISSIONS,) if _sets_permission(headers) else ()


def _sets_permission(headers: Mapping[str, str]) -> bool:
    permission = headers.get("x-ms-file-permission", "")
    return bool(headers.get("x-ms-file-permission-key")) or (bool(permission) and permission.lower() != "inherit")
