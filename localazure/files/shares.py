"""Service and share operations: List Shares, Create/Delete Share, properties, quota, metadata, snapshots."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from localazure.files import errors, listing
from localazure.files.properties import metadata_from, quota_from, share_headers
from localazure.files.store import new_etag, now

if TYPE_CHECKING:
    from localazure.files.server import Call


def max_results_of(call: "Call") -> int | None:
    value = call.request.query.get("maxresults")
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise errors.invalid_query_parameter(("QueryParameterName", "maxresults"), ("QueryParameterValue", value))
    return min(int(value), 5000)


async def list_shares(call: "Call"):
    query = call.request.query
    include = {part.strip().lower() for part in query.get("include", "").split(",") if part.strip()}
    prefix, marker, limit = query.get("prefix", ""), query.get("marker", ""), max_results_of(call)
    names = sorted({share.name for share in call.store.shares(False) if share.name.startswith(prefix) and share.name >= marker})
    page, next_marker = (names[:limit], names[limit] if len(names) > limit else "") if limit else (names, "")
    chosen = [share for share in call.store.shares("snapshots" in include) if share.name in set(page)]
    body = listing.shares_xml(call.endpoint, chosen, prefix, marker, limit, next_marker, "metadata" in include)
    return call.respond(200, body=body)


async def get_service_properties(call: "Call"):
    return call.respond(200, body=listing.service_properties_xml())


async def set_service_properties(call: "Call"):
    return call.respond(202)


async def create_share(call: "Call"):
    share = call.store.create_share(call.operation.share or "", quota_from(call.request.headers), metadata_from(call.request.headers))
    return call.respond(201, {"ETag": share.etag, "Last-Modified": share_headers(share)["Last-Modified"]})


async def get_share_properties(call: "Call"):
    return call.respond(200, share_headers(call.share()))


async def delete_share(call: "Call"):
    call.store.delete_share(call.operation.share or "", call.snapshot, call.request.headers.get("x-ms-delete-snapshots", ""))
    return call.respond(202)


def _changed(call: "Call"):
    share = call.live_share()
    share.etag, share.last_modified = new_etag(), now()
    return share


async def set_share_properties(call: "Call"):
    quota = quota_from(call.request.headers)
    share = _changed(call)
    if quota is not None:
        share.quota = quota
    headers = share_headers(share)
    return call.respond(200, {"ETag": share.etag, "Last-Modified": headers["Last-Modified"]})


async def set_share_metadata(call: "Call"):
    share = _changed(call)
    share.metadata = metadata_from(call.request.headers)
    return call.respond(200, {"ETag": share.etag, "Last-Modified": share_headers(share)["Last-Modified"]})


async def snapshot_share(call: "Call"):
    if call.snapshot:
        raise errors.snapshot_not_supported()
    taken = call.store.snapshot_share(call.operation.share or "", metadata_from(call.request.headers))
    return call.respond(201, {"x-ms-snapshot": taken.snapshot or "", "ETag": taken.etag, "Last-Modified": share_headers(taken)["Last-Modified"]})


async def get_share_acl(call: "Call"):
    share = call.share()
    return call.respond(200, {"ETag": share.etag, "Last-Modified": share_headers(share)["Last-Modified"]}, listing.acl_xml())


async def set_share_acl(call: "Call"):
    share = _changed(call)
    return call.respond(200, {"ETag": share.etag, "Last-Modified": share_headers(share)["Last-Modified"]})


async def get_share_stats(call: "Call"):
    share = call.share()
    return call.respond(200, {"ETag": share.etag, "Last-Modified": share_headers(share)["Last-Modified"]}, listing.stats_xml(share.usage()))


async def create_permission(call: "Call"):
    """Create Permission: a JSON body {"permission": SDDL} (``format`` sddl only) -> x-ms-file-permission-key."""
    share = call.live_share()
    try:
        document = json.loads(await call.request.read() or b"{}")
        sddl = document["permission"]
    except (ValueError, KeyError, TypeError):
        raise errors.FileError(400, "InvalidInput", "One of the request inputs is not valid.", (("Reason", 'the body must be JSON: {"permission": "<SDDL>"}'),)) from None
    if not isinstance(sddl, str) or not sddl.startswith(("O:", "G:", "D:", "S:")) or document.get("format", "sddl").lower() != "sddl":
        raise errors.FileError(400, "InvalidInput", "One of the request inputs is not valid.", (("Reason", "the permission must be SDDL text (localazure takes no binary descriptors)"),))
    return call.respond(201, {"x-ms-file-permission-key": share.permission_key(sddl)})


async def get_permission(call: "Call"):
    share = call.share()
    key = call.request.headers.get("x-ms-file-permission-key", "")
    if key not in share.permissions:
        raise errors.invalid_header_value(("HeaderName", "x-ms-file-permission-key"), ("HeaderValue", key))
    return call.respond(200, body=json.dumps({"permission": share.permissions[key]}), content_type="application/json")


HANDLERS = {
    "Create Permission": create_permission,
    "Get Permission": get_permission,
    "List Shares": list_shares,
    "Get File Service Properties": get_service_properties,
    "Set File Service Properties": set_service_properties,
    "Create Share": create_share,
    "Get Share Properties": get_share_properties,
    "Get Share Metadata": get_share_properties,
    "Delete Share": delete_share,
    "Set Share Properties": set_share_properties,
    "Set Share Metadata": set_share_metadata,
    "Snapshot Share": snapshot_share,
    "Get Share ACL": get_share_acl,
    "Set Share ACL": set_share_acl,
    "Get Share Stats": get_share_stats,
}
