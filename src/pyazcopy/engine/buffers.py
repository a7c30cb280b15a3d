"""A bounded pool of reusable transfer buffers: the memory cap of a job (``AZCOPY_BUFFER_GB``).

Allocating a fresh multi-MiB buffer per chunk is slow on these machines (the VM hands freed pages back), so the
pool keeps the buffers it has made and hands them out again. ``acquire`` blocks while the cap is reached.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator


class BufferPool:
    def __init__(self, limit_bytes: int) -> None:
        self.limit = max(1, limit_bytes)
        self._in_use = 0
        self._free: dict[int, list[bytearray]] = {}
        self._cond = threading.Condition()
        self.peak = 0

    @contextmanager
    def buffer(self, size: int) -> Iterator[memoryview]:
        """A ``memoryview`` of exactly ``size`` bytes, returned to the pool afterwards."""
        raw = self.acquire(size)
        try:
            yield memoryview(raw)[:size]
        finally:
            self.release(raw)

    def acquire(self, size: int) -> bytearray:
        capacity = _bucket(size)
        with self._cond:
            # a buffer larger than the whole cap is still allowed when nothing else is in use (never deadlock)
            while self._in_use and self._in_use + capacity > self.limit:
                self._cond.wait()
            self._in_use += capacity
            self.peak = max(self.peak, self._in_use)
            free = self._free.get(capacity)
            if free:
                return free.pop()
        return bytearray(capacity)

    def release(self, raw: bytearray) -> None:
        with self._cond:
            self._in_use -= len(raw)
            kept = sum(len(b) for bs in self._free.values() for b in bs)
            if kept + self._in_use + len(raw) <= self.limit:
                self._free.setdefault(len(raw), []).append(raw)
            self._cond.notify_all()

    @property
    def in_use(self) -> int:
        return self._in_use


def _bucket(size: int) -> int:
    """Round sizes up to a power of two from 64 KiB, so differently sized small files share buffers."""
    capacity = 64 * 1024
    while capacity < size:
        capacity *= 2
    return capacity
