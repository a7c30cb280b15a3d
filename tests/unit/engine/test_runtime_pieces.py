"""Buffers, retries, the rate limiter, the bounded executor, settings from the environment."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from property_settings import PROPERTIES
from thread_probe import blocked

from pyazcopy.endpoints.blob_transfer import TransientStorageError
from pyazcopy.engine.buffers import BufferPool
from pyazcopy.engine.options import DEFAULT_BUFFER_BYTES, CopyOptions, EngineSettings, default_concurrency, parse_metadata
from pyazcopy.endpoints.retry import RetryPolicy, call_with_retry
from pyazcopy.engine.scheduler import BoundedExecutor, RateLimiter
from pyazcopy.errors import StorageServiceError, UsageError


def test_buffer_pool_reuses_buffers_and_blocks_at_the_cap():
    pool = BufferPool(2 * 1024 * 1024)
    a = pool.acquire(1024 * 1024)
    b = pool.acquire(1024 * 1024)
    got = []
    t = threading.Thread(target=lambda: got.append(pool.acquire(1024 * 1024)))
    t.start()
    assert blocked(t) and not got  # blocked: the cap is reached
    pool.release(a)
    t.join(2)
    assert got and got[0] is a  # the same buffer, reused
    pool.release(b)
    pool.release(got[0])
    assert pool.in_use == 0 and pool.peak == 2 * 1024 * 1024


def test_a_buffer_larger_than_the_cap_is_allowed_alone():
    pool = BufferPool(1024)
    with pool.buffer(10_000) as view:
        assert len(view) == 10_000


@PROPERTIES
@given(st.integers(1, 30))
def test_retry_policy_delays_grow_and_are_capped(attempt):
    policy = RetryPolicy(initial_delay=0.5, max_delay=30)
    delay = policy.delay(attempt, random.Random(attempt))
    assert 0 < delay <= 30
    assert delay >= min(30, 0.5 * 2 ** (attempt - 1)) / 2


def test_call_with_retry_retries_transient_errors_only():
    calls, sleeps = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise TransientStorageError("503", 503)
        return "ok"

    assert call_with_retry(flaky, RetryPolicy(max_tries=5), sleep=sleeps.append) == "ok"
    assert len(calls) == 3 and len(sleeps) == 2

    def broken():
        raise StorageServiceError("400", 400)

    with pytest.raises(StorageServiceError):
        call_with_retry(broken, RetryPolicy(), sleep=sleeps.append)
    with pytest.raises(TransientStorageError):
        call_with_retry(lambda: (_ for _ in ()).throw(TransientStorageError("x")), RetryPolicy(max_tries=2), sleep=lambda s: None)


def test_rate_limiter_uses_the_injected_clock():
    now = [0.0]
    slept = []
    limiter = RateLimiter(8, clock=lambda: now[0], sleep=slept.append)  # 8 Mbit/s = 1,000,000 bytes/s
    limiter.consume(1_000_000)
    limiter.consume(500_000)
    assert slept == [1.0]
    assert RateLimiter(0).rate == 0


def test_bounded_executor_blocks_submission_when_full():
    executor = BoundedExecutor(2, queue_limit=0)
    gate = threading.Event()
    executor.submit(gate.wait)
    executor.submit(gate.wait)
    submitted = threading.Event()
    t = threading.Thread(target=lambda: (executor.submit(lambda: None), submitted.set()))
    t.start()
    assert blocked(t) and not submitted.is_set()
    gate.set()
    assert submitted.wait(2)
    executor.shutdown()


def test_engine_settings_from_environment(tmp_path: Path):
    s = EngineSettings.from_environment({"HOME": str(tmp_path)})
    assert s.plan_dir == tmp_path / ".azcopy" / "plans" and s.log_dir == tmp_path / ".azcopy"
    assert s.concurrency == default_concurrency() and s.buffer_bytes == DEFAULT_BUFFER_BYTES
    s = EngineSettings.from_environment({"HOME": str(tmp_path), "AZCOPY_JOB_PLAN_LOCATION": "/p", "AZCOPY_LOG_LOCATION": "/l",
                                         "AZCOPY_CONCURRENCY_VALUE": "7", "AZCOPY_BUFFER_GB": "0.5"})
    assert (s.plan_dir, s.log_dir, s.concurrency, s.buffer_bytes) == (Path("/p"), Path("/l"), 7, 512 * 1024 ** 2)
    with pytest.raises(UsageError, match="AZCOPY_CONCURRENCY_VALUE"):
        EngineSettings.from_environment({"AZCOPY_CONCURRENCY_VALUE": "lots"})
    assert default_concurrency(2) == 32 and default_concurrency(8) == 128 and default_concurrency(64) == 300


def test_copy_options_validation():
    o = CopyOptions("a", "b", overwrite="IfSourceNewer", check_md5="nocheck", blob_type="blockblob").validated()
    assert (o.overwrite, o.check_md5, o.blob_type) == ("ifSourceNewer", "NoCheck", "BlockBlob")
    with pytest.raises(UsageError, match="--overwrite"):
        CopyOptions("a", "b", overwrite="maybe").validated()
    assert parse_metadata("a=1;b=x=y") == (("a", "1"), ("b", "x=y"))
    with pytest.raises(UsageError, match="--metadata"):
        parse_metadata("novalue")
    assert "sig" not in repr(CopyOptions("https://a/c?sig=SECRET", "b"))
