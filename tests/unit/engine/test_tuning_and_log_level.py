"""AZCOPY_CONCURRENCY_VALUE=AUTO (the tuner, with a made-up clock and throughput; the resizable executor) and
--log-level (parsing, filtering, NONE writes no file, redaction at DEBUG)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from property_settings import PROPERTIES
from thread_probe import blocked, waiting_again

from pyazcopy.engine.events import (
    ConcurrencyChanged, JobFinished, JobProgress, JobStarted, JobSummary, Retrying, TransferFinished, Warning_,
)
from pyazcopy.engine.joblog import JobLog, parse_log_level
from pyazcopy.engine.options import EngineSettings
from pyazcopy.engine.scheduler import BoundedExecutor, ResizableLimit
from pyazcopy.engine.tuning import AT_OPTIMUM, AUTO_MAXIMUM, BACKING_OFF, HIT_MAX, SEEKING, ConcurrencyTuner, TuningLoop
from pyazcopy.errors import UsageError


def drive(tuner: ConcurrencyTuner, mbps_at, seconds: float = 600, step: float = 0.5) -> list:
    """Run the tuner on a simulated link where ``mbps_at(concurrency)`` is the throughput; returns what it said."""
    now, total, said = 0.0, 0.0, []
    tuner.observe(now, 0)
    while now < seconds and not tuner.finished:
        total += mbps_at(tuner.concurrency) * 1e6 / 8 * step
        now += step
        recommendation = tuner.observe(now, int(total))
        if recommendation is not None:
            said.append(recommendation)
    return said


def saturating(knee: int, per_connection: float = 10.0):
    return lambda c: per_connection * min(c, knee)


def test_the_tuner_climbs_while_throughput_improves_and_settles_near_the_knee():
    tuner = ConcurrencyTuner(initial=4, maximum=300, interval=4.0)
    said = drive(tuner, saturating(40))
    assert tuner.finished and said[-1].final and said[-1].reason == AT_OPTIMUM
    assert [r.concurrency for r in said[:2]] == [16, 64]  # x4 while it keeps paying off
    assert said[1].reason == SEEKING and any(r.reason == BACKING_OFF for r in said)
    assert 32 <= tuner.concurrency <= 64  # 40 is where more connections stop helping


def test_each_value_settles_one_interval_and_is_measured_over_the_next():
    tuner = ConcurrencyTuner(initial=4, interval=4.0)
    assert tuner.observe(0.0, 0) is None
    assert tuner.observe(3.9, 10_000_000) is None  # not a full interval yet
    assert tuner.observe(4.0, 10_000_000) is None  # first interval: settling
    first = tuner.observe(8.0, 20_000_000)  # measured: 20 Mb/s at 4 -> try 16
    assert (first.concurrency, first.reason) == (16, SEEKING)
    assert tuner.observe(12.0, 40_000_000) is None  # settling at 16
    flat = tuner.observe(16.0, 50_000_000)  # still 20 Mb/s: no gain -> back to 4
    assert (flat.concurrency, flat.reason) == (4, BACKING_OFF)


def test_a_flat_link_ends_at_the_initial_value():
    tuner = ConcurrencyTuner(initial=4, interval=1.0)
    said = drive(tuner, lambda c: 100.0)
    assert tuner.finished and tuner.concurrency == 4 and said[-1].reason == AT_OPTIMUM


def test_the_tuner_stops_at_its_maximum():
    tuner = ConcurrencyTuner(initial=4, maximum=50, interval=1.0)
    said = drive(tuner, lambda c: 10.0 * c)
    assert tuner.finished and tuner.concurrency == 50 and said[-1].reason == HIT_MAX


@PROPERTIES
@given(knee=st.integers(1, 400), initial=st.integers(1, 16), maximum=st.integers(1, 300), noise=st.floats(0.9, 1.1))
def test_the_tuner_always_finishes_within_its_bounds(knee, initial, maximum, noise):
    tuner = ConcurrencyTuner(initial=initial, maximum=maximum, interval=1.0)
    said = drive(tuner, lambda c: 10.0 * min(c, knee) * noise, seconds=400, step=1.0)
    assert tuner.finished
    assert all(1 <= r.concurrency <= max(1, maximum) for r in said)
    assert 1 <= tuner.concurrency <= maximum


def test_the_tuning_loop_applies_recommendations_from_its_thread():
    tuner = ConcurrencyTuner(initial=4, maximum=64, interval=0.04)
    applied, total = [], [0]
    clock = [0.0]

    def bytes_done() -> int:  # 10 Mb/s per connection, on a clock that moves 0.01 s per look
        clock[0] += 0.01
        total[0] += int(10e6 / 8 * 0.01 * tuner.concurrency)
        return total[0]

    loop = TuningLoop(tuner, bytes_done, applied.append, clock=lambda: clock[0])
    loop.start()
    deadline = time.monotonic() + 20
    while not tuner.finished and time.monotonic() < deadline:
        time.sleep(0.01)
    loop.stop()
    assert applied[0].concurrency == 4 and tuner.finished and applied[-1].concurrency == 64


def test_resizable_limit_blocks_at_the_limit_and_wakes_when_raised():
    limit = ResizableLimit(1)
    limit.acquire()
    got = threading.Event()
    t = threading.Thread(target=lambda: (limit.acquire(), got.set()))
    t.start()
    assert blocked(t) and not got.is_set()
    limit.resize(2)
    assert got.wait(2)
    t.join()


def test_executor_active_limit_caps_running_tasks_and_keeps_its_threads():
    executor = BoundedExecutor(8)
    assert executor.active_limit == 8 and executor.set_active_limit(2) == 2
    running, peak, lock = [0], [0], threading.Lock()

    def task() -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1

    futures = [executor.submit(task) for _ in range(20)]
    for f in futures:
        f.result()
    assert peak[0] <= 2
    threads_before = {t.name for t in threading.enumerate() if t.name.startswith("pyazcopy-transfer")}
    assert len(threads_before) <= 4  # made as the limit allows (running + queued), not 8
    executor.set_active_limit(100)
    assert executor.active_limit == 8  # never more than the threads it may have
    futures = [executor.submit(task) for _ in range(40)]
    for f in futures:
        f.result()
    assert 2 < peak[0] <= 8
    executor.shutdown()


def test_engine_settings_auto_concurrency(tmp_path: Path):
    s = EngineSettings.from_environment({"HOME": str(tmp_path), "AZCOPY_CONCURRENCY_VALUE": "auto"})
    assert s.auto_concurrency and s.concurrency == AUTO_MAXIMUM and s.tuning_interval == 4.0
    s = EngineSettings.from_environment({"HOME": str(tmp_path), "AZCOPY_CONCURRENCY_VALUE": "AUTO", "PYAZCOPY_TUNING_INTERVAL_SECONDS": "0.5"})
    assert s.tuning_interval == 0.5
    assert not EngineSettings.from_environment({"HOME": str(tmp_path), "AZCOPY_CONCURRENCY_VALUE": "12"}).auto_concurrency
    with pytest.raises(UsageError, match="PYAZCOPY_TUNING_INTERVAL_SECONDS"):
        EngineSettings.from_environment({"HOME": str(tmp_path), "PYAZCOPY_TUNING_INTERVAL_SECONDS": "soon"})


def test_concurrency_changed_uses_azcopys_wording():
    assert ConcurrencyChanged(16, "seeking optimum").message == "Trying 16 concurrent connections (seeking optimum)"


# --- --log-level ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("given_", "name"), [("info", "INFO"), ("Debug", "DEBUG"), ("NONE", "NONE"), ("warning", "WARNING"),
                                              ("error", "ERROR"), ("panic", "PANIC"), ("FATAL", "FATAL"), ("3", "ERROR")])
def test_parse_log_level(given_, name):
    assert parse_log_level(given_) == name


def test_an_unknown_log_level_names_the_valid_ones():
    with pytest.raises(UsageError, match="NONE, PANIC, FATAL, ERROR, WARNING, INFO, DEBUG"):
        parse_log_level("verbose")


SUMMARY = JobSummary("job-1", "CompletedWithErrors", 2, 1, 1, 0, 5, 10, 5, 1.0)
EVENTS = [
    JobStarted("job-1", "/p/job-1.plan.sqlite", "/l/job-1.log"),
    JobProgress("job-1", "InProgress", 2, 0, 0, 0, 0, 10, 0, 0.5),
    Retrying("https://a/c/x?sig=SECRET1", 1, "503 ServerBusy"),
    Warning_("careful"),
    TransferFinished("/src/ok", "https://a/c/ok?sv=1&sig=SECRET2", 5, "Success"),
    TransferFinished("/src/bad", "https://a/c/bad", 5, "Failed", "403 with Authorization: Bearer eyJSECRET3"),
    JobFinished(SUMMARY),
]


def log_text(tmp_path: Path, level: str) -> str | None:
    log = JobLog(tmp_path / level, "job-1", level)
    for event in EVENTS:
        log(event)
    log.write("DBG", "source https://a/c?sv=2020&sig=SECRET4 destination /d")
    log.close()
    return log.path.read_text() if log.path.exists() else None


def tags(text: str) -> set[str]:
    return {line.split(" ", 2)[2].split(":", 1)[0] for line in text.splitlines() if line.split(" ", 2)[2].split(":", 1)[0] in
            ("ERR", "WARN", "INFO", "DBG")}


def test_log_levels_filter_lines(tmp_path: Path):
    assert log_text(tmp_path, "NONE") is None and not (tmp_path / "NONE").exists()  # AzCopy: no log file at all
    assert tags(log_text(tmp_path, "ERROR")) == {"ERR"}
    assert tags(log_text(tmp_path, "WARNING")) == {"ERR", "WARN"}
    info = log_text(tmp_path, "INFO")
    assert tags(info) == {"ERR", "WARN", "INFO"} and "transfer succeeded: /src/ok" in info
    debug = log_text(tmp_path, "DEBUG")
    assert tags(debug) == {"ERR", "WARN", "INFO", "DBG"} and "progress:" in debug
    assert "Log level: DEBUG" in debug.splitlines()[2]
    for secret in ("SECRET1", "SECRET2", "SECRET3", "SECRET4"):
        assert secret not in debug
    assert debug.count("sig=REDACTED") == 3 and "Authorization: REDACTED" in debug


def test_a_full_submitter_wakes_once_a_share_of_the_places_is_free_then_fills_them_without_waiting():
    limit = ResizableLimit(8, refill_share=0.25)  # wakes when 2 of the 8 places are free
    for _ in range(8):
        limit.acquire()
    got = threading.Event()
    waiter = threading.Thread(target=lambda: (limit.acquire(), got.set()))
    waiter.start()
    assert blocked(waiter)
    limit.release()
    assert waiting_again(limit._changed, waiter) and not got.is_set()  # one free place is not enough to wake it
    limit.release()
    assert got.wait(2)
    waiter.join()
    limit.acquire()  # the second free place is taken at once, without waiting
    done = threading.Event()
    stuck = threading.Thread(target=lambda: (limit.acquire(), done.set()))
    stuck.start()
    assert blocked(stuck) and not done.is_set()  # full again
    limit.resize(16)
    assert done.wait(2)
    stuck.join()
