"""One `sync` scan: both endpoints listed and compared (``sync_compare.compare``), counted, the copies handed on as a
stream and the deletions held back on disk until the scan has ended cleanly.

- :meth:`SyncScan.copies` runs the comparison and yields the copy actions (``NEW`` and ``OVERWRITE``) in name
  order: the entry point for the engine's planner, which plans each as a transfer from the source's name to the
  destination's (same relative name on both sides). Nothing is held per copy.
- Deletions are written to a :class:`DeleteSpool` (a temporary file of JSON lines), never kept in memory, and
  :meth:`SyncScan.deletions` gives them back only when both listings ended without an error and in order. A listing
  that fails (an unreadable directory, a refused request, a missing container) or comes out of order stops the scan:
  nothing is deleted (AzCopy deletes what a failed source folder held at the destination: its issue #1380).
- A destination container that does not exist reads as empty (copying creates it, as AzCopy does); a missing source
  container is a failed listing.
- A source that lists no file at all on an endpoint without real directories (a Blob prefix: a missing one and an
  empty one look the same) deletes nothing either.
- Scan progress (files scanned at the source and at the destination) goes to ``progress`` every ``interval``
  seconds of ``clock``, and once at the end.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pyazcopy.endpoints.protocol import Entry, EntityType, Lister
from pyazcopy.engine.sync_compare import ActionKind, CompareOptions, SyncAction, compare
from pyazcopy.errors import PyAzCopyError, ResourceNotFoundError

NOTHING_DELETED = "nothing was deleted"


class SyncScanError(PyAzCopyError):
    """The scan could not be completed; carries the exit code of the error that stopped it."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class ScanProgress:
    source_scanned: int
    destination_scanned: int


@dataclass
class SyncTally:
    source_scanned: int = 0
    destination_scanned: int = 0
    new: int = 0
    overwrite: int = 0
    skipped: int = 0
    deletions: int = 0
    missing_hash: int = 0  # compared by time: the source had no MD5 (--compare-hash MD5)
    bytes_to_copy: int = 0

    @property
    def copies(self) -> int:
        return self.new + self.overwrite


@dataclass(frozen=True)
class Extra:
    """An object at the destination that is not at the source (a deletion to make)."""

    name: str
    size: int


class DeleteSpool:
    """Deletions to make, one JSON line each in a temporary file under ``directory`` (removed by :meth:`close`)."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, self.path = tempfile.mkstemp(prefix="sync-deletions-", suffix=".jsonl", dir=directory)
        self._file = os.fdopen(fd, "w+", encoding="utf-8")
        self.count = 0

    def add(self, entry: Entry) -> None:
        self._file.write(json.dumps({"n": entry.name, "s": entry.size}, ensure_ascii=False) + "\n")
        self.count += 1

    def __iter__(self) -> Iterator[Extra]:
        self._file.flush()
        with open(self.path, encoding="utf-8") as reader:
            for line in reader:
                item = json.loads(line)
                yield Extra(item["n"], item["s"])

    def close(self) -> None:
        self._file.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class SyncScan:
    def __init__(self, source: Lister, destination: Lister, options: CompareOptions, spool_dir: Path,
                 progress: Callable[[ScanProgress], None] | None = None, interval: float = 2.0,
                 clock: Callable[[], float] = time.monotonic, on_action: Callable[[SyncAction], None] | None = None) -> None:
        self.source, self.destination, self.options = source, destination, options
        self.progress, self.interval, self.clock, self.on_action = progress, interval, clock, on_action
        self.tally = SyncTally()
        self.spool = DeleteSpool(spool_dir)
        self.complete = False
        self.refusal = ""  # why the deletions are withheld although the scan completed
        self.destination_missing = False  # the destination container does not exist (yet): it reads as empty

    def _listed(self, entries: Iterable[Entry], side: str, location: str) -> Iterator[Entry]:
        """A side's listing, counted; a failure becomes a SyncScanError that says which side and that nothing was deleted."""
        attribute = "source_scanned" if side == "source" else "destination_scanned"
        try:
            for entry in entries:
                if entry.entity_type is EntityType.FILE:
                    setattr(self.tally, attribute, getattr(self.tally, attribute) + 1)
                    self._report()
                yield entry
        except ResourceNotFoundError as error:
            if side == "destination" and error.error_code == "ContainerNotFound":
                self.destination_missing = True  # nothing there to delete or skip; copying creates it (AzCopy does)
                return
            raise SyncScanError(f"cannot sync: listing the {side} {location} failed, so {NOTHING_DELETED} and nothing more is "
                                f"compared: {error}", error.exit_code) from None
        except PyAzCopyError as error:
            raise SyncScanError(f"cannot sync: listing the {side} {location} failed, so {NOTHING_DELETED} and nothing more is "
                                f"compared: {error}", error.exit_code) from None
        except OSError as error:
            raise SyncScanError(f"cannot sync: listing the {side} {location} failed, so {NOTHING_DELETED} and nothing more is "
                                f"compared: {error}") from None

    _next_report = 0.0

    def _report(self, force: bool = False) -> None:
        if self.progress is None:
            return
        now = self.clock()
        if force or now >= self._next_report:
            if self._next_report or force:
                self.progress(ScanProgress(self.tally.source_scanned, self.tally.destination_scanned))
            self._next_report = now + self.interval

    def copies(self) -> Iterator[SyncAction]:
        """Compare the two listings; yield each copy to make, in name order. Consume it to the end before
        :meth:`deletions`."""
        source_location, destination_location = self.source.display, self.destination.display
        actions = compare(self._listed(self.source.list(), "source", source_location),
                          self._listed(self.destination.list(), "destination", destination_location),
                          self.options, source_location, destination_location)
        for action in actions:
            if self.on_action is not None:
                self.on_action(action)
            if action.missing_hash:
                self.tally.missing_hash += 1
            if action.kind is ActionKind.DELETE:
                self.spool.add(action.destination)
                self.tally.deletions += 1
            elif action.kind is ActionKind.SKIP:
                self.tally.skipped += 1
            else:
                if action.kind is ActionKind.NEW:
                    self.tally.new += 1
                else:
                    self.tally.overwrite += 1
                self.tally.bytes_to_copy += action.source.size
                yield action
        self._report(force=True)
        if self.tally.deletions and not self.tally.source_scanned and not self.source.features.real_directories:
            self.refusal = (f"the source {source_location} lists no files (a missing location and an empty one look the same "
                            f"there), so {NOTHING_DELETED}; remove the {self.tally.deletions} destination objects with "
                            f"`pyazcopy remove` if that is what you want")
        self.complete = True

    def deletions(self) -> Iterator[Extra]:
        """The destination objects to delete, once the scan has completed cleanly; an error otherwise."""
        if not self.complete:
            raise SyncScanError(f"cannot delete at the destination before both listings were compared to the end; {NOTHING_DELETED}")
        if self.refusal:
            raise SyncScanError(f"cannot sync: {self.refusal}")
        return iter(self.spool)

    def close(self) -> None:
        self.spool.close()
