"""``AZCOPY_CONCURRENCY_VALUE=AUTO``: find the number of connections past which throughput stops improving.

The idea is AzCopy's (ste/concurrencyTuner.go), written afresh: start with few connections (4), measure, multiply the
connections (x4 while below 256, then x2) as long as each step brings at least a fifth of the linear gain; when a
step does not, go back to the last good value, probe again with a smaller step (x2, then x1.2) and stop once the
step would be below x1.19. Each value is given one interval to settle and is then measured over the next one
(AzCopy: 4 seconds each).

:class:`ConcurrencyTuner` is pure: cumulative byte counts and times go in, recommendations come out, so it is
tested with a made-up clock. :class:`TuningLoop` samples a running job on its own thread and resizes the executor.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

INITIAL = 4
AUTO_MAXIMUM = 300  # AzCopy allows 3000 goroutines; one Python thread + connection each makes 300 the sane ceiling
BOOSTED, STANDARD, BOOST_ZONE = 4.0, 2.0, 256
SLOWDOWN, SMALLEST_STEP, FUDGE = 5.0, 1.19, 0.2

INITIAL_REASON = "initial starting point"
SEEKING = "seeking optimum"
BACKING_OFF = "backing off"
HIT_MAX = "hit max concurrency limit"
AT_OPTIMUM = "at optimum"


@dataclass(frozen=True)
class Recommendation:
    concurrency: int
    reason: str
    final: bool = False


class ConcurrencyTuner:
    """Throughput samples in, a target concurrency out (see the module's docstring)."""

    def __init__(self, initial: int = INITIAL, maximum: int = AUTO_MAXIMUM, interval: float = 4.0) -> None:
        self.maximum = max(1, maximum)
        self.concurrency = max(1, min(initial, self.maximum))
        self.reason = INITIAL_REASON
        self.interval = interval
        self.finished = False
        self._multiplier = BOOSTED
        self._baseline: float | None = None  # Mb/s measured at the last good concurrency
        self._good = self.concurrency  # the last good concurrency
        self._window: tuple[float, int] | None = None  # (time, bytes) where the current window began
        self._settled = False

    @property
    def recommendation(self) -> Recommendation:
        return Recommendation(self.concurrency, self.reason, self.finished)

    def observe(self, now: float, total_bytes: int) -> Recommendation | None:
        """Feed the job's cumulative bytes at ``now``; a new recommendation when the concurrency should change."""
        if self.finished:
            return None
        if self._window is None:
            self._window = (now, total_bytes)
            return None
        started, start_bytes = self._window
        if now - started < self.interval:
            return None
        self._window = (now, total_bytes)
        if not self._settled:  # the first interval after a change only lets the new connections get going
            self._settled = True
            return None
        return self.decide((total_bytes - start_bytes) * 8 / 1e6 / (now - started))

    def decide(self, mbps: float) -> Recommendation | None:
        """One measurement of the current concurrency, in megabits per second."""
        if self.finished:
            return None
        if self._baseline is not None and self.concurrency != self._good:  # judging a probe
            step = self.concurrency / self._good
            if mbps > self._baseline * (1 + (step - 1) * FUDGE):
                self._baseline, self._good = mbps, self.concurrency
                if self.reason == HIT_MAX:
                    return self._finish(HIT_MAX)
                return self._probe()
            self._multiplier = STANDARD if self._multiplier > STANDARD else 1 + (self._multiplier - 1) / SLOWDOWN
            if self._multiplier < SMALLEST_STEP:
                self.concurrency = self._good
                return self._finish(AT_OPTIMUM)
            self._baseline = None  # measure the good value again before the next probe
            return self._set(self._good, BACKING_OFF)
        self._baseline, self._good = mbps, self.concurrency
        return self._probe()

    def _probe(self) -> Recommendation:
        if self.concurrency >= BOOST_ZONE and self._multiplier > STANDARD:
            self._multiplier = STANDARD
        target = max(self.concurrency + 1, int(self.concurrency * self._multiplier))
        if target >= self.maximum:
            if self.concurrency >= self.maximum:
                return self._finish(HIT_MAX)
            return self._set(self.maximum, HIT_MAX)
        return self._set(target, SEEKING)

    def _set(self, concurrency: int, reason: str) -> Recommendation:
        self.concurrency, self.reason, self._settled = concurrency, reason, False
        return self.recommendation

    def _finish(self, reason: str) -> Recommendation:
        self.reason, self.finished = reason, True
        return self.recommendation


class TuningLoop:
    """Samples ``bytes_done()`` every ``interval / 4`` seconds on its own thread and hands each recommendation to
    ``apply`` (which resizes the executor and reports it)."""

    def __init__(self, tuner: ConcurrencyTuner, bytes_done: Callable[[], int], apply: Callable[[Recommendation], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.tuner, self.bytes_done, self.apply, self.clock = tuner, bytes_done, apply, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pyazcopy-tuner", daemon=True)

    def start(self) -> None:
        self.apply(self.tuner.recommendation)
        self.tuner.observe(self.clock(), self.bytes_done())
        self._thread.start()

    def _run(self) -> None:
        tick = max(0.01, self.tuner.interval / 4)
        while not self._stop.wait(tick) and not self.tuner.finished:
            recommendation = self.tuner.observe(self.clock(), self.bytes_done())
            if recommendation is not None:
                self.apply(recommendation)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
