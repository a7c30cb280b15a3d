"""Both ends of a copy job, resolved from its options: which side is local, the Blob URL, and how names map
(``Sides``); and the stream of entries to plan (the local walk or the Blob listing). Used by a new job and by a
resumed job whose planning was interrupted, so both list the source the same way."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Iterator

from pyazcopy.endpoints import local
from pyazcopy.endpoints.blob_transfer import BlobTransferClient, BlobUrl, RemoteBlob, is_blob_url
from pyazcopy.engine.options import CopyOptions
from pyazcopy.engine.planner import Layout, download_layout, upload_layout
from pyazcopy.endpoints.retry import RetryPolicy, call_with_retry
from pyazcopy.errors import UsageError


@dataclass(frozen=True)
class Sides:
    """Both ends of a job, resolved; ``blob`` may carry a SAS (never persisted)."""

    upload: bool
    local_root: str
    blob: BlobUrl
    blob_prefix: str
    layout: Layout

    @property
    def from_to(self) -> str:
        return "LocalBlob" if self.upload else "BlobLocal"


def direction_is_upload(options: CopyOptions) -> bool:
    src_blob, dst_blob = is_blob_url(options.source), is_blob_url(options.destination)
    inferred = "BlobLocal" if src_blob and not dst_blob else "LocalBlob" if dst_blob and not src_blob else ""
    if options.from_to and inferred and options.from_to != inferred:
        raise UsageError(f"--from-to={options.from_to} does not match the source and destination given (they look like {inferred})")
    chosen = options.from_to or inferred
    if not chosen:
        raise UsageError("cannot tell the direction of the copy: one side must be a local path and the other a Blob URL "
                         "(service to service and local to local copies are not supported yet)")
    return chosen == "LocalBlob"


def resolve_upload(options: CopyOptions, blob: BlobUrl, skip) -> tuple[Sides, Iterator[Any]]:
    source = os.path.abspath(os.path.expanduser(options.source))
    wildcard = local.has_wildcard(os.path.basename(source)) and not os.path.exists(source)
    is_dir = not wildcard and os.path.isdir(source)
    root = source if is_dir else os.path.dirname(source)
    items = local.walk_local(options.source, options.recursive, options.follow_symlinks, skip)
    first = next(items, None)  # surfaces a missing source now, before anything is created
    layout = upload_layout(blob.path, is_dir, os.path.basename(source), options.as_subdir, wildcard)
    return Sides(True, root, blob, "", layout), _chain(first, items)


def resolve_download(options: CopyOptions, blob: BlobUrl, client: BlobTransferClient, retry: RetryPolicy) -> tuple[Sides, Iterator[Any]]:
    path = blob.path
    destination = os.path.abspath(os.path.expanduser(options.destination))
    dest_is_dir = os.path.isdir(destination) or options.destination.endswith(("/", os.sep))
    wildcard = path.endswith("*") and (path == "*" or path.endswith("/*"))
    if local.has_wildcard(path.rstrip("*")):
        raise UsageError("wildcards in a Blob URL are only allowed as a trailing /* (as in AzCopy)")
    if not wildcard and path and not path.endswith("/"):
        props = call_with_retry(lambda: client.get_properties(path), retry)
        if props is not None:
            parent = path[: len(path) - len(os.path.basename(path))]
            layout = download_layout(True, path, dest_is_dir, os.path.basename(destination), blob.container, options.as_subdir, False)
            root = destination if dest_is_dir else os.path.dirname(destination)
            item = RemoteBlob(os.path.basename(path), path, props.size, props.last_modified, props.content_md5, props.blob_type,
                              etag=props.etag)
            return Sides(False, root, blob, parent, layout), iter([item])
    prefix = path[:-1] if wildcard else (path + "/" if path and not path.endswith("/") else path)
    if not wildcard and not options.recursive:
        raise UsageError(f"{blob.redacted} is a virtual directory or container: add --recursive to copy it, or end it with /* "
                         "to copy only the blobs directly in it")
    if os.path.exists(destination) and not os.path.isdir(destination):
        raise UsageError(f"{destination} is a file; a directory download needs a directory destination")
    layout = download_layout(False, path, True, "", blob.container, options.as_subdir, wildcard)
    items = client.list_blobs(prefix, options.recursive or not wildcard, retry=lambda fn: call_with_retry(fn, retry))
    return Sides(False, destination, blob, prefix, layout), items


def _chain(first, rest: Iterator[Any]) -> Iterator[Any]:
    if first is not None:
        yield first
        yield from rest
