"""Errors of the dfs endpoint (Azure Data Lake Storage): a refused request names both ways out.

In an account with a hierarchical namespace a request is allowed by a role (Storage Blob Data Reader for reads,
Contributor or Owner for writes) or, without one, by the ACLs on the path (Azure's "Access control model in Azure
Data Lake Storage"): execute on the filesystem's root and on every directory above the item, plus what the
operation itself needs (read on a file to read it, read and execute on a directory to list it, write and execute
on the target directory to create or delete in it, write on a file to append to it). A 403 names the role and the
ACL entries, with the actual directories of the path, as in the seed's words: "write permission on the target
directory, and execute permission on container and each parent directory". Other answers go through
:func:`pyazcopy.endpoints.storage_errors.storage_error`, the mapping the Blob data path uses.
"""

from __future__ import annotations

import enum
import json
from typing import TYPE_CHECKING, Any

from pyazcopy.endpoints.storage_errors import PROPAGATION_NOTE, RETRYABLE_STATUS, TransientStorageError, signature_mismatch, storage_error, status_text
from pyazcopy.errors import PermissionMismatchError, ResourceExistsError, ResourceNotFoundError, StorageServiceError

if TYPE_CHECKING:
    from pyazcopy.endpoints.blob_transfer import BlobUrl

REFUSED = ("AuthorizationPermissionMismatch", "AuthorizationFailure")
READER = "Storage Blob Data Reader (or Storage Blob Data Contributor or Owner)"
WRITER = "Storage Blob Data Contributor (or Storage Blob Data Owner)"


class Need(enum.Enum):
    """What a dfs operation needs from the ACLs, besides execute on the root and every directory above the item."""

    READ = ("read", "read", "read (r--) on the file {item}")
    STAT = ("read", "see the properties of", "")  # Get Properties: execute on the directories above is all it needs
    LIST = ("list", "list", "read and execute (r-x) on the directory {item}")
    CREATE = ("write", "create files in", "write and execute (-wx) on the target directory {parent}")
    DELETE = ("write", "delete files in", "write and execute (-wx) on the target directory {parent}")
    WRITE = ("write", "write to", "write (-w-) on the file {item}")

    def __init__(self, kind: str, verb: str, entry: str) -> None:
        self.kind, self.verb, self.entry = kind, verb, entry


def _slash(path: str) -> str:
    return "/" + path.strip("/")


def acl_entries(need: Need, path: str) -> str:
    """The ACL entries that would allow ``need`` on ``path`` (a path in the filesystem), naming its directories."""
    parts = [part for part in path.strip("/").split("/") if part]
    item, parent_parts = "/".join(parts), parts[:-1]
    if need is Need.LIST:  # the directory itself is listed: only the ones above it need execute
        above = parent_parts
    else:
        above = parent_parts[:-1] if need in (Need.CREATE, Need.DELETE) else parent_parts
    directories = [_slash("/".join(above[:i + 1])) for i in range(len(above))]
    entry = need.entry.format(item=_slash(item), parent=_slash("/".join(parent_parts)))
    execute = "execute (--x) on the filesystem's root /" + (f" and on each parent directory {', '.join(directories)}" if directories else "")
    return f"{entry}, and {execute}" if entry else execute


def acl_advice(need: Need, filesystem: str, path: str, who: str) -> str:
    """What to tell ``who`` when a role and the ACLs both refused ``need`` on ``filesystem/path``."""
    role = WRITER if need.kind == "write" else READER
    target = _slash(path.rsplit("/", 1)[0] if "/" in path.strip("/") else "") if need in (Need.CREATE, Need.DELETE) else _slash(path)
    return (f"{who} is signed in, but neither a role assignment nor the ACLs let it {need.verb} {target} in the filesystem {filesystem}. "
            f"Either ask an owner of the account to assign {role} on the storage account or the filesystem {filesystem}, or, since the account has a hierarchical namespace, ask the owner of the directories for ACL "
            f"entries for you (or a group you are in) giving {acl_entries(need, path)}. {PROPAGATION_NOTE}")


def _message(body: bytes) -> str:
    """The first line of the message of a JSON error body ({"error": {"code", "message"}}), "" when there is none."""
    try:
        return (json.loads(body)["error"]["message"] or "").splitlines()[0]
    except (ValueError, KeyError, TypeError, IndexError):
        return ""


def dfs_error(operation: str, target: str, status: int, code: str | None, body: bytes, headers: Any, url: "BlobUrl", path: str, need: Need,
              identity: str = "", tenant_id: str = "") -> StorageServiceError:
    """HTTP status + ``x-ms-error-code`` of a dfs request on ``path`` -> a pyazcopy error that says what to do."""
    code = code or ""
    said = status_text(status, code)
    message = _message(body)
    summary = f"{operation} {target} failed: {said}" + (f" ({message})" if message else "")
    if status in RETRYABLE_STATUS:
        return TransientStorageError(summary, status, code)
    if status == 404 and code in ("PathNotFound", "FilesystemNotFound", "ContainerNotFound", "BlobNotFound", "ResourceNotFound", "SourcePathNotFound", ""):
        what = "filesystem" if code in ("FilesystemNotFound", "ContainerNotFound") else "path"
        return ResourceNotFoundError(f"{summary}: the {what} does not exist; check the URL", status, code)
    if status == 409 and code in ("PathAlreadyExists", "FilesystemAlreadyExists"):
        return ResourceExistsError(summary, status, code)
    if status == 403 and code in REFUSED and not signature_mismatch(code, message, bool(url.sas), bool(body)):
        if url.sas:
            advice = ("The SAS does not allow this request: generate one with the permissions it needs "
                      f"({'read and list' if need.kind != 'write' else 'create, write and delete'}) and pass the whole URL again, quoted.")
        else:
            advice = acl_advice(need, url.container, path, identity or "the signed-in identity")
        error = PermissionMismatchError(f"{summary}. {advice}", status, code)
        error.job_advice, error.transfer_line = advice, f"{operation} {target} failed: {said}"  # a job says the advice once
        return error
    return storage_error(operation, target, status, code, body if not message else message.encode(), headers, url.account_url, url.container,
                         identity=identity, tenant_id=tenant_id, sas=url.sas)
