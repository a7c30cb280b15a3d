"""`sync`'s comparison: two name-ordered listings (source, destination) in, one stream of actions out.

A sorted merge (rclone's march), never an index of either side: both listings come from :meth:`Lister.list`, which
yields entries in code-point order of their full names (``a-b`` < ``a/b`` < ``a0``), so the comparison holds one
entry of each side at a time and its memory does not grow with the number of files (AzCopy indexes a whole side in
a map and runs out of memory at tens of millions of files: its issues #1182, #2867, #2355).

Decisions per name, as AzCopy's syncComparator.go makes them (its reason texts, which it writes to the scanning log):

- only at the source: copy (``NEW``);
- at both: ``--mirror-mode`` copies; ``--compare-hash MD5`` copies when the MD5s differ and skips when they are
  equal, and a source without an MD5 falls back to the time (``missing_hash`` set: AzCopy's warning); otherwise the
  source is copied when its last-modified time is strictly later. Here a size difference is a change too, even with
  an older time (AzCopy's issues #752, #2216: a deliberate deviation, README);
- only at the destination: ``DELETE`` when deletions were asked for (``--delete-destination true|prompt``).

Filters (``--include-pattern``, ``--exclude-pattern``, ``--exclude-path``, ``--include-regex``, ``--exclude-regex``)
apply to both sides, as AzCopy applies them to both traversers: an object they leave out is neither copied nor
deleted. With ``--recursive=false`` only the files directly in each location take part. Folder entries take no part
(the listings of today's endpoints hold files only).

A listing out of order (or naming an object twice) raises :class:`ListingOrderError` when the entry arrives. Actions
already yielded may then be wrong (a ``DELETE`` of a name the source lists later), so a consumer never deletes before
the stream has ended without an error: ``engine/sync_scan.py`` holds deletions back until then.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable, Iterator

from pyazcopy.endpoints.protocol import Entry, EntityType
from pyazcopy.engine.filters import FilterOptions, FilterSet
from pyazcopy.errors import PyAzCopyError, UsageError

# AzCopy's reasons (azcopy/syncComparator.go), and ours for what it does not do
REASON_NEW = "the source does not exist at the destination"
REASON_NEWER = "the source is more recent than the destination"
REASON_OLDER = "the source has an older LMT than the destination"
REASON_SIZE = "the source and destination differ in size"
REASON_HASH_DIFFERS = "the source has a differing hash"
REASON_HASH_SAME = "the source has the same hash"
REASON_NEWER_NO_HASH = ("the source lacks an associated hash (please upload with --put-md5 for hash comparison) and is more "
                        "recent than the destination")
REASON_OLDER_NO_HASH = ("the source lacks an associated hash (please upload with --put-md5 for hash comparison) and has an "
                        "older LMT than the destination")
REASON_SIZE_NO_HASH = "the source lacks an associated hash (please upload with --put-md5 for hash comparison) and differs in size"
REASON_MIRROR = "--mirror-mode overwrites every object present on both sides"
REASON_EXTRA = "the destination object does not exist at the source"

COMPARE_HASHES = ("None", "MD5")


class ActionKind(str, enum.Enum):
    NEW = "new"  # copy: not at the destination
    OVERWRITE = "overwrite"  # copy: at both, and the source wins
    SKIP = "skip"  # at both, the destination is up to date
    DELETE = "delete"  # only at the destination, and deletions were asked for

    @property
    def copies(self) -> bool:
        return self in (ActionKind.NEW, ActionKind.OVERWRITE)


@dataclass(frozen=True)
class SyncAction:
    kind: ActionKind
    name: str
    source: Entry | None  # None for DELETE
    destination: Entry | None  # None for NEW
    reason: str
    missing_hash: bool = False  # compared by time because the source has no MD5 (AzCopy warns)


@dataclass(frozen=True)
class CompareOptions:
    compare_hash: str = "None"  # None | MD5
    mirror_mode: bool = False
    deletions: bool = False  # --delete-destination true or prompt
    filters: FilterSet = FilterSet()
    recursive: bool = True  # --recursive=false: only the files directly in the location, on both sides

    @classmethod
    def build(cls, compare_hash: str = "None", mirror_mode: bool = False, deletions: bool = False,
              filters: FilterOptions = FilterOptions(), recursive: bool = True) -> "CompareOptions":
        return cls(parse_compare_hash(compare_hash), mirror_mode, deletions, FilterSet.build(filters), recursive)


def parse_compare_hash(value: str) -> str:
    for choice in COMPARE_HASHES:
        if (value or "None").lower() == choice.lower():
            return choice
    raise UsageError(f"invalid --compare-hash value {value!r}; valid values are None, MD5")


class ListingOrderError(PyAzCopyError):
    """A listing broke the protocol's promise of code-point order, each name once: the comparison cannot be trusted,
    so the sync stops before deleting anything."""


def in_order(entries: Iterable[Entry], side: str, location: str) -> Iterator[Entry]:
    """``entries`` as they come, each checked to be strictly after the one before (code-point order of names)."""
    previous: str | None = None
    for entry in entries:
        if previous is not None and not entry.name > previous:
            twice = entry.name == previous
            raise ListingOrderError(
                f"the listing of the {side} {location} " + (f"named {entry.name!r} twice" if twice else
                                                            f"gave {entry.name!r} after {previous!r}, out of name order")
                + "; the comparison stopped and nothing was deleted. This is a fault of pyazcopy's listing of that "
                "location: report it, with the two names")
        previous = entry.name
        yield entry


def _kept(entries: Iterable[Entry], options: CompareOptions) -> Iterator[Entry]:
    check = None if options.filters.empty else options.filters.passes
    for entry in entries:
        if entry.entity_type is EntityType.FOLDER or (not options.recursive and "/" in entry.name):
            continue
        if check is None or check(entry.name, entry.last_modified):
            yield entry


def decide(source: Entry, destination: Entry, options: CompareOptions) -> SyncAction:
    """The action for a name present on both sides."""
    name = source.name
    if options.mirror_mode:
        return SyncAction(ActionKind.OVERWRITE, name, source, destination, REASON_MIRROR)
    if options.compare_hash == "MD5" and source.content_md5:
        if source.content_md5 != destination.content_md5:
            return SyncAction(ActionKind.OVERWRITE, name, source, destination, REASON_HASH_DIFFERS)
        return SyncAction(ActionKind.SKIP, name, source, destination, REASON_HASH_SAME)
    no_hash = options.compare_hash == "MD5"
    if source.last_modified > destination.last_modified:
        return SyncAction(ActionKind.OVERWRITE, name, source, destination, REASON_NEWER_NO_HASH if no_hash else REASON_NEWER, no_hash)
    if source.size != destination.size:
        return SyncAction(ActionKind.OVERWRITE, name, source, destination, REASON_SIZE_NO_HASH if no_hash else REASON_SIZE, no_hash)
    return SyncAction(ActionKind.SKIP, name, source, destination, REASON_OLDER_NO_HASH if no_hash else REASON_OLDER, no_hash)


_END = object()


def compare(source: Iterable[Entry], destination: Iterable[Entry], options: CompareOptions = CompareOptions(),
            source_location: str = "", destination_location: str = "") -> Iterator[SyncAction]:
    """The actions of a sync, in name order: one per file that passes the filters on either side (``DELETE`` only
    when ``options.deletions``). Both inputs must be in code-point order of names (checked as they come)."""
    sources = iter(_kept(in_order(source, "source", source_location), options))
    destinations = iter(_kept(in_order(destination, "destination", destination_location), options))
    src = next(sources, _END)
    dst = next(destinations, _END)
    while src is not _END or dst is not _END:
        if dst is _END or (src is not _END and src.name < dst.name):
            yield SyncAction(ActionKind.NEW, src.name, src, None, REASON_NEW)
            src = next(sources, _END)
        elif src is _END or dst.name < src.name:
            if options.deletions:
                yield SyncAction(ActionKind.DELETE, dst.name, None, dst, REASON_EXTRA)
            dst = next(destinations, _END)
        else:
            yield decide(src, dst, options)
            src = next(sources, _END)
            dst = next(destinations, _END)
