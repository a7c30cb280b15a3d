"""The XML bodies of List Shares, List Directories and Files, List Ranges and the share's small documents."""

from __future__ import annotations

from typing import Iterable
from xml.sax.saxutils import escape, quoteattr

from localazure.files.errors import azure_time, http_date
from localazure.files.store import Node, Share

HEAD = '\ufeff<?xml version="1.0" encoding="utf-8"?>'


def _element(name: str, value: object | None) -> str:
    return f"<{name}>{escape(str(value))}</{name}>" if value not in (None, "") else f"<{name} />"


def _paging(prefix: str, marker: str, max_results: int | None) -> str:
    text = _element("Prefix", prefix) if prefix else ""
    text += _element("Marker", marker) if marker else ""
    return text + (_element("MaxResults", max_results) if max_results else "")


def shares_xml(endpoint: str, shares: Iterable[Share], prefix: str, marker: str, max_results: int | None, next_marker: str, with_metadata: bool) -> str:
    items = []
    for share in shares:
        snapshot = _element("Snapshot", share.snapshot) if share.snapshot else ""
        properties = (f"<Properties><Last-Modified>{http_date(share.last_modified)}</Last-Modified><Etag>{escape(share.etag)}</Etag>"
                      f"<Quota>{share.quota}</Quota><AccessTier>TransactionOptimized</AccessTier></Properties>")
        metadata = "<Metadata>" + "".join(_element(k, v) for k, v in share.metadata.items()) + "</Metadata>" if with_metadata else ""
        items.append(f"<Share>{_element('Name', share.name)}{snapshot}{properties}{metadata}</Share>")
    return (f"{HEAD}<EnumerationResults ServiceEndpoint={quoteattr(endpoint)}>{_paging(prefix, marker, max_results)}"
            f"<Shares>{''.join(items)}</Shares>{_element('NextMarker', next_marker)}</EnumerationResults>")


def _entry(node: Node, include: set[str]) -> str:
    properties = "" if node.is_dir else f"<Content-Length>{node.size}</Content-Length>"
    if "timestamps" in include:
        properties += (f"<CreationTime>{azure_time(node.created)}</CreationTime><LastAccessTime>{azure_time(node.last_write)}</LastAccessTime>"
                       f"<LastWriteTime>{azure_time(node.last_write)}</LastWriteTime><ChangeTime>{azure_time(node.changed)}</ChangeTime>"
                       f"<Last-Modified>{http_date(node.last_modified)}</Last-Modified>")
    if "etag" in include:
        properties += f"<Etag>{escape(node.etag)}</Etag>"
    extra = _element("Attributes", node.attributes) if "attributes" in include else ""
    extra += _element("PermissionKey", node.permission_key) if "permissionkey" in include else ""
    tag = "Directory" if node.is_dir else "File"
    return f"<{tag}>{_element('Name', node.name)}<FileId>{node.id}</FileId><Properties>{properties}</Properties>{extra}</{tag}>"


def entries_xml(endpoint: str, share: Share, directory_path: str, directory: Node, entries: Iterable[Node], prefix: str, marker: str,
                max_results: int | None, next_marker: str, include: set[str]) -> str:
    snapshot = f" ShareSnapshot={quoteattr(share.snapshot)}" if share.snapshot else ""
    body = "".join(_entry(node, include) for node in entries)
    return (f"{HEAD}<EnumerationResults ServiceEndpoint={quoteattr(endpoint)} ShareName={quoteattr(share.name)}{snapshot} "
            f"DirectoryPath={quoteattr(directory_path)}>{_paging(prefix, marker, max_results)}<DirectoryId>{directory.id}</DirectoryId>"
            f"<Entries>{body}</Entries>{_element('NextMarker', next_marker)}</EnumerationResults>")


def ranges_xml(ranges: Iterable[tuple[int, int]]) -> str:
    return f"{HEAD}<Ranges>" + "".join(f"<Range><Start>{start}</Start><End>{end - 1}</End></Range>" for start, end in ranges) + "</Ranges>"


def stats_xml(usage_bytes: int) -> str:
    return f"{HEAD}<ShareStats><ShareUsageBytes>{usage_bytes}</ShareUsageBytes></ShareStats>"


def acl_xml() -> str:
    return f"{HEAD}<SignedIdentifiers />"


def service_properties_xml() -> str:
    metrics = "<Version>1.0</Version><Enabled>false</Enabled><RetentionPolicy><Enabled>false</Enabled></RetentionPolicy>"
    return f"{HEAD}<StorageServiceProperties><HourMetrics>{metrics}</HourMetrics><MinuteMetrics>{metrics}</MinuteMetrics><Cors /></StorageServiceProperties>"
