"""Bounded execution: a thread pool whose submit blocks when full, the job's counters, and the bandwidth cap."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable


class BoundedExecutor:
    """``concurrency`` worker threads (one HTTP connection each); ``submit`` blocks while ``queue_limit`` tasks wait."""

    def __init__(self, concurrency: int, queue_limit: int | None = None) -> None:
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="pyazcopy-transfer")
        self._slots = threading.BoundedSemaphore(concurrency + (queue_limit if queue_limit is not None else concurrency))
        self.active = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., object], *args: object) -> Future:
        self._slots.acquire()

        def run() -> object:
            with self._lock:
                self.active += 1
            try:
                return fn(*args)
            finally:
                with self._lock:
                    self.active -= 1
                self._slots.release()

        try:
            return self._executor.submit(run)
        except BaseException:
            self._slots.release()
            raise

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)


@dataclass
class JobStats:
    """Counters of the running job, updated by worker threads."""

    total: int = 0
    completed: int = 0
    failed: int = 0
    skipped: int = 0
    bytes_expected: int = 0
    bytes_transferred: int = 0
    bytes_over_wire: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)


class RateLimiter:
    """``--cap-mbps``: a token bucket in megabits per second over all connections; ``clock``/``sleep`` injectable."""

    def __init__(self, megabits_per_second: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = megabits_per_second * 1_000_000 / 8 if megabits_per_second > 0 else 0.0
        self._clock, self._sleep = clock, sleep
        self._next_free = clock()
        self._lock = threading.Lock()

    def consume(self, nbytes: int) -> None:
        if not self.rate or nbytes <= 0:
            return
        with self._lock:
            now = self._clock()
            start = max(now, self._next_free)
            self._next_free = start + nbytes / self.rate
            wait = start - now
        if wait > 0:
            self._sleep(wait)
