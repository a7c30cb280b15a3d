"""Request headers in, response headers out: metadata, content headers, SMB properties, share properties."""

from __future__ import annotations

import datetime
import re
from typing import Mapping

from localazure.files import errors
from localazure.files.errors import azure_time, http_date
from localazure.files.store import CONTENT_HEADERS, Node, Share, now

META = "x-ms-meta-"
TIME = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?Z$")


def metadata_from(headers: Mapping[str, str]) -> dict[str, str]:
    return {name[len(META):]: value for name, value in headers.items() if name.lower().startswith(META)}


def content_headers_from(headers: Mapping[str, str]) -> dict[str, str]:
    """x-ms-content-type ... x-ms-cache-control, as Create File and Set File Properties send them."""
    return {name: headers[f"x-ms-{name}"] for name in CONTENT_HEADERS if headers.get(f"x-ms-{name}")}


def smb_time(value: str | None, current: datetime.datetime) -> datetime.datetime:
    """x-ms-file-*-time: 'now', 'preserve' (or absent: keep), or an ISO time with up to 7 fractional digits."""
    if not value or value.lower() == "preserve":
        return current
    if value.lower() == "now":
        return now()
    match = TIME.match(value)
    if match is None:
        raise errors.invalid_header_value(("HeaderName", "x-ms-file-creation-time"), ("HeaderValue", value))
    stamp = datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return stamp.replace(microsecond=int((match.group(2) or "0").ljust(7, "0")[:6]))


def apply_smb(node: Node, headers: Mapping[str, str], share: Share) -> None:
    """SMB times, attributes and the file permission (x-ms-file-permission: SDDL or 'inherit', or
    x-ms-file-permission-key) of a create or set-properties request."""
    apply_permission(node, headers, share)
    node.created = smb_time(headers.get("x-ms-file-creation-time"), node.created)
    node.last_write = smb_time(headers.get("x-ms-file-last-write-time"), node.last_write)
    node.changed = smb_time(headers.get("x-ms-file-change-time"), now())
    attributes = headers.get("x-ms-file-attributes", "")
    if attributes and attributes.lower() not in ("none", "preserve"):
        parts = [part.strip() for part in attributes.split("|") if part.strip()]
        if node.is_dir and "Directory" not in parts:
            parts.insert(0, "Directory")
        node.attributes = " | ".join(parts)
    elif attributes.lower() == "none":
        node.attributes = "Directory" if node.is_dir else "Archive"


def apply_permission(node: Node, headers: Mapping[str, str], share: Share) -> None:
    permission, key = headers.get("x-ms-file-permission", ""), headers.get("x-ms-file-permission-key", "")
    if permission and key:
        raise errors.invalid_header_value(("HeaderName", "x-ms-file-permission-key"), ("HeaderValue", key))
    if key:
        if key not in share.permissions:
            raise errors.invalid_header_value(("HeaderName", "x-ms-file-permission-key"), ("HeaderValue", key))
        node.permission_key = key
    elif permission and permission.lower() not in ("inherit", "preserve"):
        if len(permission.encode("utf-8")) > 8 * 1024:
            raise errors.FileError(400, "InvalidHeaderValue", errors.invalid_header_value().message,
                                   (("HeaderName", "x-ms-file-permission"), ("Reason", "longer than 8 KiB: use Create Permission")))
        node.permission_key = share.permission_key(permission)


def smb_headers(node: Node) -> dict[str, str]:
    return {
        "x-ms-file-attributes": node.attributes,
        "x-ms-file-creation-time": azure_time(node.created),
        "x-ms-file-last-write-time": azure_time(node.last_write),
        "x-ms-file-change-time": azure_time(node.changed),
        "x-ms-file-permission-key": node.permission_key,
        "x-ms-file-id": str(node.id),
        "x-ms-file-parent-id": str(node.parent_id),
    }


def meta_headers(metadata: Mapping[str, str]) -> dict[str, str]:
    return {f"{META}{name}": value for name, value in metadata.items()}


def node_headers(node: Node, with_content: bool = True) -> dict[str, str]:
    headers = {"ETag": node.etag, "Last-Modified": http_date(node.last_modified), "x-ms-server-encrypted": "true",
               **meta_headers(node.metadata), **smb_headers(node)}
    if not node.is_dir and with_content:
        headers.update({"x-ms-type": "File", "Content-Length": str(node.size), "x-ms-lease-state": "available",
                        "x-ms-lease-status": "unlocked", "Accept-Ranges": "bytes"})
        headers["Content-Type"] = node.headers.get("content-type", "application/octet-stream")
        for name in CONTENT_HEADERS[1:]:
            if node.headers.get(name):
                headers["-".join(part.capitalize() for part in name.split("-"))] = node.headers[name]
        if node.content_md5:
            headers["Content-MD5"] = node.content_md5
        headers.update(node.copy)
    return headers


def share_headers(share: Share) -> dict[str, str]:
    headers = {"ETag": share.etag, "Last-Modified": http_date(share.last_modified), "x-ms-share-quota": str(share.quota),
               "x-ms-lease-state": "available", "x-ms-lease-status": "unlocked", "x-ms-access-tier": "TransactionOptimized",
               **meta_headers(share.metadata)}
    if share.snapshot:
        headers["x-ms-snapshot"] = share.snapshot
    return headers


def quota_from(headers: Mapping[str, str]) -> int | None:
    value = headers.get("x-ms-share-quota")
    if value is None:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 102400:
        raise errors.invalid_header_value(("HeaderName", "x-ms-share-quota"), ("HeaderValue", value))
    return int(value)
