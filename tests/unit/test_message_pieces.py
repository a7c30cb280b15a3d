"""Pure pieces behind issue 12's messages: container name rules, a SAS's own times, error codes as Azure writes them,
and the byte meter behind progress."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pyazcopy.endpoints.locations import container_name_problem
from pyazcopy.endpoints.storage_errors import error_code_text, sas_time_problem, status_text
from pyazcopy.engine.scheduler import ChunkMeter, JobStats, RateLimiter


@pytest.mark.parametrize("name", ["abc", "a-b-c", "0day", "x" * 63, "$root", "$web", "$logs"])
def test_valid_container_names(name):
    assert container_name_problem(name) == ""


@pytest.mark.parametrize("name", ["ab", "x" * 64, "Abc", "a_b", "a--b", "-ab", "ab-", "a.b", "$other"])
def test_invalid_container_names(name):
    assert "3-63 characters" in container_name_problem(name)


def test_sas_times():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert sas_time_problem("sv=1&se=2025-12-31T00:00:00Z&sig=x", now) == "the SAS expired at 2025-12-31T00:00:00Z"
    assert sas_time_problem("sv=1&st=2026-02-01T00:00:00Z&se=2026-03-01T00:00:00Z&sig=x", now).startswith("the SAS is not valid before")
    assert sas_time_problem("sv=1&se=2026-03-01&sig=x", now) == "" and sas_time_problem("sig=x", now) == ""


def test_error_codes_as_azure_writes_them():
    from azure.storage.blob import StorageErrorCode

    assert error_code_text(StorageErrorCode.OUT_OF_RANGE_INPUT) == "OutOfRangeInput"
    assert error_code_text(None) == "" and status_text(404, "") == "404" and status_text(403, "AuthorizationFailure") == "403 AuthorizationFailure"


def test_chunk_meter_counts_moving_bytes_once_and_hands_them_over():
    stats = JobStats(total=1, bytes_expected=100)
    meter = ChunkMeter(stats, RateLimiter(0), 100)
    meter(60)
    assert (stats.bytes_in_flight, stats.bytes_over_wire, stats.bytes_transferred) == (60, 60, 0)
    meter(60)  # a resend: over the wire again, but the chunk's progress stops at its length
    assert (stats.bytes_in_flight, stats.bytes_over_wire) == (100, 120)
    meter.done()
    assert (stats.bytes_in_flight, stats.bytes_transferred) == (0, 100)
    failed = ChunkMeter(stats, RateLimiter(0), 50)
    failed(20)
    failed.abandon()
    assert (stats.bytes_in_flight, stats.bytes_transferred) == (0, 100)
