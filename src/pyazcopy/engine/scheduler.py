"""Bounded execution: a thread pool whose submit blocks when full, the job's counters, and the bandwidth cap."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable


class ResizableLimit:
    """A counting semaphore whose limit can change while threads wait on it (raised: waiters wake; lowered: holders
    finish, and no new holder gets in until the count is under the new limit).

    With ``refill_share``, a caller that found the limit reached waits until that share of it is free again, and
    then takes the free places one after another without waiting: the submitting thread wakes once per batch
    instead of once per finished task (a quarter of 64 places: 16 small files per wake-up, with 32 running and 16
    still queued; 6 % less wall time and 5-12 % less CPU for 1,000 small downloads, docs/PERFORMANCE.md)."""

    def __init__(self, limit: int, refill_share: float = 0.0) -> None:
        self._limit = max(1, limit)
        self._refill_share = refill_share
        self._held = 0
        self._changed = threading.Condition()

    @property
    def limit(self) -> int:
        return self._limit

    def _low_water(self) -> int:
        return self._limit - max(1, int(self._limit * self._refill_share))

    def acquire(self) -> None:
        with self._changed:
            if self._held >= self._limit:
                while self._held > self._low_water():
                    self._changed.wait()
            self._held += 1

    def release(self) -> None:
        with self._changed:
            self._held -= 1
            if self._held <= self._low_water():
                self._changed.notify()

    def resize(self, limit: int) -> None:
        with self._changed:
            self._limit = max(1, limit)
            self._changed.notify_all()


SUBMIT_REFILL_SHARE = 0.25  # a full submitter waits for a quarter of the places (running + queued) to free up


class BoundedExecutor:
    """Up to ``concurrency`` worker threads (one HTTP connection each); ``submit`` blocks while ``queue_limit`` tasks
    wait. :meth:`set_active_limit` lowers or raises, at run time, how many of them work at once (the tuner of
    AZCOPY_CONCURRENCY_VALUE=AUTO uses it); threads are made only as the limit allows, never one per change."""

    def __init__(self, concurrency: int, queue_limit: int | None = None) -> None:
        self.max_workers = concurrency
        self._queue_limit = queue_limit
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="pyazcopy-transfer")
        self._slots = ResizableLimit(concurrency + (queue_limit if queue_limit is not None else concurrency), refill_share=SUBMIT_REFILL_SHARE)
        self._running = ResizableLimit(concurrency)
        self.active = 0
        self._lock = threading.Lock()

    @property
    def active_limit(self) -> int:
        return self._running.limit

    def set_active_limit(self, workers: int) -> int:
        """At most ``workers`` (1..concurrency) tasks run at once from now on; returns the limit applied."""
        workers = max(1, min(workers, self.max_workers))
        self._running.resize(workers)
        self._slots.resize(workers + (self._queue_limit if self._queue_limit is not None else workers))
        return workers

    def submit(self, fn: Callable[..., object], *args: object) -> Future:
        self._slots.acquire()

        def run() -> object:
            self._running.acquire()
            with self._lock:
                self.active += 1
            try:
                return fn(*args)
            finally:
                with self._lock:
                    self.active -= 1
                self._running.release()
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
    bytes_in_flight: int = 0  # bytes of chunks still moving (ChunkMeter below), part of the progress shown
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


class ChunkMeter:
    """Counts one chunk's bytes as they move (each piece through the --cap-mbps limiter first): over the wire at once,
    and toward the job's progress (``bytes_in_flight``, at most the chunk's length) until the chunk is done, when they
    become ``bytes_transferred``. So the 2-second progress lines and JSON ``Progress`` messages show a large file
    moving, not only its finished chunks."""

    def __init__(self, stats: JobStats, limiter: RateLimiter, length: int) -> None:
        self.stats, self.limiter, self.length, self.moved = stats, limiter, length, 0

    def __call__(self, nbytes: int) -> None:
        counted = min(nbytes, self.length - self.moved)
        self.limiter.consume(counted)  # the cap paces each byte of the chunk once; a resend (retry) is not held back again
        self.moved += counted
        self.stats.add(bytes_over_wire=nbytes, bytes_in_flight=counted)

    def done(self) -> None:
        self.stats.add(bytes_transferred=self.length, bytes_in_flight=-self.moved)
        self.moved = self.length = 0

    def abandon(self) -> None:
        if self.moved:
            self.stats.add(bytes_in_flight=-self.moved)
            self.moved = 0
