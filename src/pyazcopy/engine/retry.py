"""The retry loop lives in :mod:`pyazcopy.endpoints.retry` (`list` uses it too); re-exported for the engine's callers."""

from pyazcopy.endpoints.retry import RetryPolicy, call_with_retry

__all__ = ["RetryPolicy", "call_with_retry"]
