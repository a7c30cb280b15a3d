"""List a location and keep AzCopy's running tally (versioned objects counted once, at their latest version)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from pyazcopy.model import ListedObject, ListSummary


@dataclass
class Tally:
    """Counts files and bytes; with versions, only the newest version of each path counts."""

    _latest: dict[str, tuple[str, int]] = field(default_factory=dict)
    file_count: int = 0
    total_size: int = 0

    def add(self, item: ListedObject) -> None:
        if item.version_id:
            current = self._latest.get(item.path)
            if current is not None:
                if item.version_id <= current[0]:
                    return
                self.file_count -= 1
                self.total_size -= current[1]
            self._latest[item.path] = (item.version_id, item.size)
        self.file_count += 1
        self.total_size += item.size

    @property
    def summary(self) -> ListSummary:
        return ListSummary(self.file_count, self.total_size)


def tallied(items: Iterable[ListedObject], tally: Tally, on_item: Callable[[ListedObject], None] | None = None) -> Iterator[ListedObject]:
    for item in items:
        tally.add(item)
        if on_item:
            on_item(item)
        yield item
