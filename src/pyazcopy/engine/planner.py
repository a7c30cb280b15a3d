"""Pure planning: where each enumerated object lands, as AzCopy names things. No I/O here."""

from __future__ import annotations

import mimetypes
import posixpath
from dataclasses import dataclass
from typing import Iterable, Iterator, Protocol


class Enumerated(Protocol):
    @property
    def relative_path(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def last_modified(self) -> float: ...


@dataclass(frozen=True)
class Layout:
    """How relative source paths map to destination paths.

    ``single_name`` set: the source is one file/blob and this is its destination name (relative to the destination
    root). Otherwise each relative path ``r`` lands at ``prefix + r``.
    """

    prefix: str = ""
    single_name: str = ""


def join_prefix(base: str, name: str) -> str:
    """``base`` as a directory prefix (``''`` or ending in ``/``) followed by ``name``."""
    if not base:
        return name
    return (base if base.endswith("/") else base + "/") + name


def upload_layout(dest_path: str, source_is_dir: bool, source_name: str, as_subdir: bool, wildcard: bool) -> Layout:
    """Local -> Blob. ``dest_path`` is the blob path in the destination URL ('' for the container itself)."""
    if not source_is_dir and not wildcard:
        if not dest_path or dest_path.endswith("/"):
            return Layout(single_name=join_prefix(dest_path, source_name))
        return Layout(single_name=dest_path)
    prefix = join_prefix(dest_path, "")
    if source_is_dir and as_subdir and not wildcard:
        prefix = join_prefix(prefix, source_name + "/")
    return Layout(prefix=prefix)


def download_layout(single_blob: bool, source_path: str, dest_is_dir: bool, dest_name: str, container: str,
                    as_subdir: bool, wildcard: bool) -> Layout:
    """Blob -> Local. Names are relative to the local destination directory."""
    if single_blob:
        return Layout(single_name=posixpath.basename(source_path) if dest_is_dir else dest_name)
    if wildcard or not as_subdir:
        return Layout(prefix="")
    folder = posixpath.basename(source_path.rstrip("/")) or container
    return Layout(prefix=folder + "/")


def plan_rows(items: Iterable[Enumerated], layout: Layout) -> Iterator[tuple[str, str, int, float, bytes, str]]:
    """(source relative path, destination relative path, size, mtime, source MD5, source ETag) for each item, lazily."""
    for item in items:
        destination = layout.single_name or layout.prefix + item.relative_path
        yield (item.relative_path, destination, item.size, item.last_modified, getattr(item, "content_md5", b""),
               getattr(item, "etag", ""))


VHD_EXTENSIONS = (".vhd", ".vhdx", ".vmdk")


def blob_type_for(name: str, requested: str) -> str:
    """``--blob-type Detect`` (the default) sends virtual disks as Page Blobs, everything else as Block Blobs."""
    if requested != "Detect":
        return requested
    return "PageBlob" if name.lower().endswith(VHD_EXTENSIONS) else "BlockBlob"


def guess_content_type(name: str, explicit: str, no_guess: bool) -> str:
    if explicit:
        return explicit
    if no_guess:
        return "application/octet-stream"
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"
