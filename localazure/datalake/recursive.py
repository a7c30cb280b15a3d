"""setAccessControlRecursive: set, modify or remove ACL entries on a directory and everything inside it, in
batches of ``maxRecords`` with a continuation token, counting successes and failures as Azure does."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Mapping

from localazure.datalake import acl as acls
from localazure.datalake.credentials import Identity
from localazure.datalake.errors import invalid
from localazure.datalake.requirements import Need
from localazure.datalake.store import Filesystem

if TYPE_CHECKING:
    from localazure.datalake.account import Account

NOT_ALLOWED = "This request is not authorized to perform this operation using this permission."


def set_acl_recursive(account: "Account", identity: Identity, fs: Filesystem, path: str, query: Mapping[str, str], text: str) -> tuple[dict, dict[str, str]]:
    """The JSON body and headers of one batch."""
    mode = query.get("mode", "")
    if mode not in ("set", "modify", "remove"):
        raise invalid("InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid: mode must be set, modify or remove.")
    try:
        acls.parse_acl(text, remove=mode == "remove")
    except acls.AclError as error:
        raise invalid("InvalidAccessControlList", str(error)) from None
    store, authorizer = account.store, account.authorizer
    node = store.existing(fs, path)
    ancestors = store.ancestors(fs, path) if path else []
    authorizer.permit(identity, fs.name, Need.TRAVERSE, "Set Access Control Recursive", ancestors, (path, node.access))
    names = [path] + (store.subtree(fs, path) if node.is_directory else [])
    continuation = query.get("continuation")
    if continuation:
        after = base64.urlsafe_b64decode(continuation.encode()).decode().removeprefix("p:")
        names = [n for n in names if n != path and n.split("/") > after.split("/")]
    limit = int(query.get("maxrecords") or 2000)
    force = query.get("forceflag", "").lower() == "true"
    result = {"directoriesSuccessful": 0, "filesSuccessful": 0, "failureCount": 0, "failedEntries": []}
    done: list[str] = []
    for name in names[:limit]:
        item = store.node(fs, name)
        if item is None:
            continue
        done.append(name)
        kind = "DIRECTORY" if item.is_directory else "FILE"
        try:
            if not authorizer.may_change_acl(identity, fs.name, item.access):
                raise PermissionError(NOT_ALLOWED)
            if mode == "set":
                item.access = acls.set_acl(item.access, text, item.is_directory)
            else:
                item.access = acls.modify_acl(item.access, text, item.is_directory, remove=mode == "remove")
            item.touch()
            result["directoriesSuccessful" if item.is_directory else "filesSuccessful"] += 1
        except (PermissionError, acls.AclError) as error:
            result["failureCount"] += 1
            result["failedEntries"].append({"name": name, "type": kind, "errorMessage": str(error)})
            if not force:
                break
    more = len(names) > len(done) and (force or not result["failureCount"])
    headers = {"x-ms-continuation": base64.urlsafe_b64encode(("p:" + done[-1]).encode()).decode()} if more and done else {}
    return result, headers
