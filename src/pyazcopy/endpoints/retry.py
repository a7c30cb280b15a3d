"""The one retry loop: transient storage failures retried with exponential backoff and jitter (AzCopy retries the
same statuses). The engine wraps every request in it, and `list` (endpoints/blob_listing.py) its pages."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

from pyazcopy.endpoints.storage_errors import TransientStorageError

R = TypeVar("R")


@dataclass(frozen=True)
class RetryPolicy:
    max_tries: int = 20  # AzCopy's default number of tries
    initial_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The pause before try ``attempt + 1`` (attempt counts from 1): exponential, capped, with full jitter."""
        ceiling = min(self.max_delay, self.initial_delay * (2 ** (attempt - 1)))
        return ceiling / 2 + rng.random() * ceiling / 2


def call_with_retry(
    operation: Callable[[], R],
    policy: RetryPolicy,
    on_retry: Callable[[int, TransientStorageError], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> R:
    """Run ``operation``; on :class:`TransientStorageError` wait and try again, up to ``policy.max_tries`` times."""
    attempt = 1
    while True:
        try:
            return operation()
        except TransientStorageError as error:
            if attempt >= policy.max_tries or cancelled():
                raise
            if on_retry is not None:
                on_retry(attempt, error)
            rng = rng or random.Random()  # seeded from os.urandom: only once a retry is needed, not per request
            sleep(policy.delay(attempt, rng))
            attempt += 1
